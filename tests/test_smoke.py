from conftest import SEED, run_process


def test_version_and_parse_seed(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("filmcli ")
    result = run("parse", SEED, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert '"title": "Her"' in result.stdout


def test_process_entry_point():
    proc = run_process("--version")
    assert proc.returncode == 0 and proc.stdout.startswith(b"filmcli ")
