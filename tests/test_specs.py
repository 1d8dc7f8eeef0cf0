"""specs/ is a faithful, loadable, self-consistent transcription."""

import json
from pathlib import Path

import jsonschema
import pytest
import schemathesis
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from conformance import PROVIDERS, SpecError, UsageError, load_spec
from conformance._schemas import for_profile

SPECS = Path(__file__).resolve().parent.parent / "specs"
SCHEMA_FILES = sorted(SPECS.glob("*/schemas/*.json"))
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _walk(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("x-source", "x-rule", "x-profile", "$ref"):
                found.setdefault(key, []).append(value)
            _walk(value, found)
    elif isinstance(node, list):
        for item in node:
            _walk(item, found)
    return found


@pytest.mark.parametrize("provider", PROVIDERS)
def test_openapi_document_is_valid(provider) -> None:
    document, base_uri = read_from_filename(str(SPECS / provider / "openapi.yaml"))
    validate(document, base_uri=base_uri)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_schema_is_valid_against_its_metaschema(path) -> None:
    schema = json.loads(path.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "$id" not in schema
    jsonschema.Draft202012Validator.check_schema(schema)
    for profile in ("documented", "observed"):
        jsonschema.Draft202012Validator.check_schema(for_profile(schema, profile))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_schemathesis_loads_the_document_offline(provider) -> None:
    schema = schemathesis.openapi.from_path(str(SPECS / provider / "openapi.yaml"))
    names = {result.ok().definition.raw["operationId"] for result in schema.get_all_operations()}
    assert names == set(load_spec(provider).operations)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_reference_is_local_and_every_source_exists(provider) -> None:
    spec = load_spec(provider)
    found = _walk([spec.openapi, *spec.schemas.values()], {})
    assert all(not ref.startswith("http") for ref in found["$ref"])
    missing = set(found["x-source"]) - set(spec.sources)
    assert not missing, f"x-source ids without a sources.json entry: {sorted(missing)}"
    assert set(found["x-profile"]) <= {"observed"}
    for source in spec.sources.values():
        assert source.kind in ("documented", "observed"), source


#: The standards a source may quote, by section, with the sentence as the RFC writes it.
STANDARDS = {"RFC 8259 §4": "The names within an object SHOULD be unique."}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside this checkout")
@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_quote_is_verbatim(provider) -> None:
    texts = {
        "seeds": "\n".join(p.read_text() for p in (SHARED / "seeds").glob("*.txt")),
        "facts": (SHARED / "provider-facts.md").read_text(),
    }
    for source in load_spec(provider).sources.values():
        if source.ref.startswith("RFC "):
            assert STANDARDS[source.ref] == source.quote, source.id
            continue
        where = "seeds" if source.ref.startswith("seeds/") else "facts"
        assert " ".join(source.quote.split()) in " ".join(texts[where].split()), source.id


@pytest.mark.parametrize("provider", PROVIDERS)
def test_decisions_are_written_down(provider) -> None:
    text = (SPECS / provider / "DECISIONS.md").read_text()
    assert len(text.splitlines()) > 20


def test_catalogues_are_machine_readable() -> None:
    midtrans, pivot = load_spec("midtrans"), load_spec("pivot")
    codes = midtrans.catalogue_values("status_code")
    assert {"200", "201", "202", "400", "401", "404", "412", "413", "505"} <= set(codes)
    assert all(isinstance(c, str) for c in codes)
    assert len(midtrans.catalogue_values("transaction_status")) == 12
    assert set(pivot.catalogue_values("capture_status")) == {"PENDING", "SUCCESS", "FAILED"}
    assert len(pivot.catalogue_values("session_status")) == 9
    assert len(pivot.catalogue_values("charge_status")) == 7
    for entry in [*midtrans.catalogue("status_code"), *pivot.catalogue("error_code")]:
        assert entry["description"], entry
        assert entry["x-source"], entry


def test_unknown_provider_and_catalogue_are_clear_errors() -> None:
    with pytest.raises(
        UsageError, match=r"unknown provider 'adyen'; choose one of: midtrans, pivot"
    ):
        load_spec("adyen")
    with pytest.raises(SpecError, match="midtrans catalogue has no 'nope'"):
        load_spec("midtrans").catalogue("nope")


def test_specs_dir_can_be_overridden(tmp_path) -> None:
    with pytest.raises(SpecError, match="does not exist"):
        load_spec("midtrans", str(tmp_path / "absent"))
    (tmp_path / "midtrans" / "schemas").mkdir(parents=True)
    (tmp_path / "midtrans" / "openapi.yaml").write_text("openapi: 3.1.0\npaths: {}\n")
    (tmp_path / "midtrans" / "sources.json").write_text("{}")
    assert load_spec("midtrans", str(tmp_path)).operations == {}


def _webhook_examples(provider):
    """(label, profiles it must pass in, server key or None, body) of every webhook example."""
    for item in load_spec(provider).openapi.get("webhooks", {}).values():
        media = item["post"]["requestBody"]["content"]["application/json"]
        for label, example in media["examples"].items():
            observed = example.get("x-profile") == "observed"
            profiles = ("observed",) if observed else ("documented", "observed")
            yield label, profiles, example.get("x-server-key"), example["value"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_webhooks_are_the_notification_of_each_provider(provider) -> None:
    spec = load_spec(provider)
    assert set(spec.webhooks) == {"notification"}
    op = spec.webhook("notification")
    assert op.method == "POST"
    assert op.request_schema == spec.schema_uri("notification.json")
    assert set(op.responses) == set()  # the merchant's answer has no body to check
    with pytest.raises(UsageError, match=f"unknown {provider} webhook 'callback'"):
        spec.webhook("callback")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_webhook_example_validates(provider) -> None:
    from conformance import Validator

    examples = list(_webhook_examples(provider))
    assert len(examples) >= 2
    for label, profiles, server_key, body in examples:
        for profile in profiles:
            found = Validator(provider, profile=profile).validate_notification(
                body, server_key=server_key
            )
            assert found == [], (label, profile, [str(v) for v in found])


def test_observed_only_webhook_examples_fail_the_documented_profile() -> None:
    from conformance import Validator

    observed = [(lbl, b) for lbl, p, _, b in _webhook_examples("pivot") if p == ("observed",)]
    assert observed
    for label, body in observed:
        rules = [v.rule for v in Validator("pivot").validate_notification(body)]
        assert rules == ["pivot.notification.event"], label


def test_the_facts_sample_notification_is_signed_for_the_stated_key() -> None:
    from conformance.signatures import midtrans_signature

    label, _, key, body = next(_webhook_examples("midtrans"))
    assert label == "cardCapture"
    assert key.startswith("SB-Mid-server-test")
    signed = midtrans_signature(body["order_id"], body["status_code"], body["gross_amount"], key)
    assert body["signature_key"] == signed
    media = load_spec("midtrans").openapi["webhooks"]["httpNotification"]["post"]["requestBody"]
    assert key in media["content"]["application/json"]["examples"]["cardCapture"]["description"]


def test_callback_data_is_the_session_schema_by_reference() -> None:
    spec = load_spec("pivot")
    schema = spec.schemas[spec.schema_uri("notification.json")]
    assert schema["properties"]["data"]["$ref"] == "session.json"
    security = spec.openapi["webhooks"]["paymentCallback"]["post"]["security"]
    scheme = spec.openapi["components"]["securitySchemes"][next(iter(security[0]))]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-API-Key")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_named_rule_cites_an_existing_source(provider) -> None:
    from conformance.rules import all_rules

    spec = load_spec(provider)
    for named in all_rules():
        if named.provider == provider and named.source is not None:
            assert named.source in spec.sources, named.id


@pytest.mark.parametrize("provider", PROVIDERS)
def test_webhook_and_security_x_rules_are_named_rules(provider) -> None:
    """``x-rule``s on the webhooks and security schemes name rules the kit implements."""
    from conformance.rules import all_rules

    spec = load_spec(provider)
    holders = [spec.openapi.get("webhooks", {}), spec.openapi["components"]["securitySchemes"]]
    annotated = set(_walk(holders, {}).get("x-rule", []))
    assert annotated, "no x-rule on the webhooks or security schemes"
    assert annotated <= {r.id for r in all_rules() if r.provider == provider}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_notification_rule_is_a_written_decision(provider) -> None:
    from conformance.rules import all_rules

    text = (SPECS / provider / "DECISIONS.md").read_text()
    ids = [r.id for r in all_rules() if r.provider == provider and r.phase == "notification"]
    assert len(ids) >= 4
    assert [i for i in ids if f"`{i}`" not in text] == []


@pytest.mark.parametrize(
    ("provider", "catalogue"), [("midtrans", "transaction_status"), ("pivot", "session_status")]
)
def test_lifecycle_successors_are_catalogue_values(provider, catalogue) -> None:
    spec = load_spec(provider)
    values = set(spec.catalogue_values(catalogue))
    following = {e["const"]: e["x-next"] for e in spec.catalogue(catalogue) if "x-next" in e}
    assert following, "no x-next in the catalogue"
    for status, after in following.items():
        assert set(after) <= set(following) <= values, status
    if provider == "midtrans":
        assert following["authorize"] == ["capture", "deny", "cancel", "expire"]
        assert following["capture"] == ["settlement", "cancel"]


def test_documented_callback_events_name_session_statuses() -> None:
    spec = load_spec("pivot")
    statuses = set(spec.catalogue_values("session_status"))
    events = spec.catalogue("callback_event")
    assert {e["const"] for e in events} == {
        "PAYMENT.PROCESSING",
        "PAYMENT.PAID",
        "PAYMENT.CANCELLED",
    }
    for entry in events:
        assert entry["x-session-status"] in statuses
        assert entry["const"] == f"PAYMENT.{entry['x-session-status']}"
