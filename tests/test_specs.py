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


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside this checkout")
@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_quote_is_verbatim(provider) -> None:
    texts = {
        "seeds": "\n".join(p.read_text() for p in (SHARED / "seeds").glob("*.txt")),
        "facts": (SHARED / "provider-facts.md").read_text(),
    }
    for source in load_spec(provider).sources.values():
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
