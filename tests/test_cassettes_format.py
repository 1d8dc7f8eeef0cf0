"""Cassettes are vcrpy's own: vcrpy plays the kit's back, and the kit reads what vcrpy writes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import vcr
import yaml
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from conformance.cassettes import lint, load_cassette
from conformance.cassettes._format import Cassette, dumps, loads
from conformance.simulators import create
from conformance.simulators._serve import served

ROOT = Path(__file__).resolve().parent.parent
MIDTRANS = ROOT / "cassettes" / "midtrans" / "catalogue.yaml"
PIVOT = ROOT / "cassettes" / "pivot" / "catalogue.yaml"


def test_vcrpy_plays_a_committed_cassette_back() -> None:
    cassette = load_cassette(MIDTRANS)
    token = next(i for i in cassette if i.path == "/v2/token")
    capture = next(i for i in cassette if i.path == "/v2/capture")
    cassette_context = vcr.VCR().use_cassette(str(MIDTRANS), record_mode="none")
    with cassette_context as played, httpx.Client() as client:
        got = client.get(token.uri)
        answer = client.post(capture.uri, content=capture.request_body())
    assert got.status_code == token.status
    assert got.content == token.response_body()
    assert answer.status_code == capture.status
    assert answer.content == capture.response_body()
    assert played.play_count == 2
    assert len(played.data) == len(cassette)


def test_vcrpy_deserializes_the_kit_format_ignoring_the_scenario_tags() -> None:
    # Exactly two values: pytest-recording unpacks two (a top-level metadata adds a third).
    requests, responses = deserialize(PIVOT.read_text(), yamlserializer)
    ours = load_cassette(PIVOT)
    assert [r.uri for r in requests] == [i.uri for i in ours]
    assert [r["status"]["code"] for r in responses] == [i.status for i in ours]
    assert ours.metadata["capture-conformance"]["provider"] == "pivot"


def test_the_kit_s_metadata_rides_on_the_first_interaction() -> None:
    data = yaml.safe_load(MIDTRANS.read_text())
    assert "metadata" not in data
    first, *rest = data["interactions"]
    assert first["capture-conformance"]["provider"] == "midtrans"
    assert first["capture-conformance"]["recorded_from"] == "in-process midtrans simulator"
    assert not any("capture-conformance" in raw for raw in rest)


def test_an_older_cassette_with_top_level_metadata_is_still_read(tmp_path: Path) -> None:
    data = yaml.safe_load(PIVOT.read_text())
    ours = data["interactions"][0].pop("capture-conformance")
    data["metadata"] = {"capture-conformance": ours, "another-tool": {"k": "v"}}
    old = loads(yaml.safe_dump(data), "old.yaml")
    assert old.metadata == data["metadata"]
    assert [i.uri for i in old] == [i.uri for i in load_cassette(PIVOT)]
    rewritten = yaml.safe_load(dumps(old, "new.yaml"))  # the kit's key moves; others stay
    assert rewritten["metadata"] == {"another-tool": {"k": "v"}}
    assert rewritten["interactions"][0]["capture-conformance"] == ours
    assert loads(dumps(old, "new.json"), "new.json").metadata == old.metadata


def test_the_kit_reads_what_vcrpy_records(tmp_path: Path) -> None:
    path = tmp_path / "vcrpy.yaml"
    basic = "Basic " + base64.b64encode(b"SB-Mid-server-made-up:").decode()
    headers = {"Accept": "application/json", "Authorization": basic}
    with (
        served(create("midtrans").app) as url,
        vcr.VCR().use_cassette(str(path)),
        httpx.Client(base_url=url, headers=headers) as client,
    ):
        client.post("/v2/capture", json={"transaction_id": "no-such-id"})
        client.get("/v2/no-such-id/status")
    cassette = load_cassette(path)
    assert [i.scenario for i in cassette] == [None, None]
    assert [(i.method, i.path, i.status) for i in cassette] == [
        ("POST", "/v2/capture", 404), ("GET", "/v2/no-such-id/status", 404)
    ]  # fmt: skip
    result = lint([path])
    assert [(c.provider, c.operation) for c in result.checked] == [
        ("midtrans", "capture"), ("midtrans", "status")
    ]  # fmt: skip
    assert result.exit_code == 0, [str(v) for c in result.checked for v in c.violations]


def test_the_kit_reads_vcrpy_json_cassettes(tmp_path: Path) -> None:
    path = tmp_path / "vcrpy.json"
    with served(create("pivot").app) as url, vcr.VCR(serializer="json").use_cassette(str(path)):
        httpx.post(f"{url}/v1/access-token", json={"grantType": "client_credentials"},
                   headers={"X-MERCHANT-ID": "m", "X-MERCHANT-SECRET": "s"})  # fmt: skip
    assert json.loads(path.read_text())["interactions"]
    [item] = load_cassette(path).interactions
    assert (item.path, item.status) == ("/v1/access-token", 200)
    assert json.loads(item.response_body())["code"] == "00"


def test_a_round_trip_keeps_everything() -> None:
    cassette = load_cassette(PIVOT)
    again = loads(dumps(cassette, "x.yaml"), "x.yaml")
    assert len(again) == len(cassette)
    for a, b in zip(cassette, again, strict=True):
        assert (a.method, a.uri, a.scenario, a.status) == (b.method, b.uri, b.scenario, b.status)
        assert (a.request_body(), a.response_body()) == (b.request_body(), b.response_body())
        assert a.request_headers() == b.request_headers()
    assert again.metadata == cassette.metadata


def test_yaml_without_fast_path_gives_the_same_cassette() -> None:
    # A tag sends the text through vcrpy's own loader; both readings agree.
    text = MIDTRANS.read_text()
    tagged = text.replace("version: 1", "version: !!int 1")
    fast, slow = loads(text, "a.yaml"), loads(tagged, "b.yaml")
    assert [(i.uri, i.response_body(), i.request_headers()) for i in fast] == [
        (i.uri, i.response_body(), i.request_headers()) for i in slow
    ]


def test_binary_bodies_survive_as_bytes() -> None:
    cassette = load_cassette(PIVOT)
    item = cassette.interactions[0]
    item.response["body"]["string"] = b"\x00\xff binary"
    again = loads(dumps(Cassette([item]), "bin.yaml"), "bin.yaml")
    assert again.interactions[0].response_body() == b"\x00\xff binary"
