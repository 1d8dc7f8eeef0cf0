"""The pytest plugin as a user meets it: registered by installing, run through pytester."""

import pytest

pytest_plugins = ["pytester"]


def test_help_shows_the_group_and_its_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "capture-conformance: payment capture contract checks:",
            "  --conformance-profile={documented,observed}",
        ]
    )
    result.stdout.fnmatch_lines(["  conformance_profile (string):*"])


def test_plugin_is_registered_by_the_entry_point(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_registered(pytestconfig):
            names = {name for name, _ in pytestconfig.pluginmanager.list_name_plugin()}
            assert "capture_conformance" in names
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


PRECEDENCE = """
    import pytest

    def test_default(conformance_validator):
        assert conformance_validator("midtrans").profile == "{default}"

    @pytest.mark.conformance(profile="observed")
    def test_marker(conformance_validator):
        assert conformance_validator("midtrans").profile == "observed"

    @pytest.mark.conformance(profile="observed")
    def test_fixture_argument_beats_marker(conformance_validator):
        assert conformance_validator("midtrans", profile="documented").profile == "documented"
"""


def test_ini_sets_the_default(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nconformance_profile = observed\n")
    pytester.makepyfile(PRECEDENCE.format(default="observed"))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_cli_beats_ini_and_marker_beats_cli(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nconformance_profile = observed\n")
    pytester.makepyfile(PRECEDENCE.format(default="documented"))
    result = pytester.runpytest("--conformance-profile=documented")
    result.assert_outcomes(passed=3)


def test_bad_choice_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conformance-profile=guessed")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --conformance-profile: invalid choice: 'guessed'*"])


def test_a_violation_fails_the_test_with_its_rule(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_reply(conformance_validator):
            found = conformance_validator("pivot").validate_response(
                "capture", {"code": "00", "message": "Success", "data": {"status": "DONE"}})
            assert not found, "\\n".join(map(str, found))
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*pivot.capture-response.status at /data/status*'DONE'*"])
