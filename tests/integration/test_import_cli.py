"""``union-tree bootstrap / unions / import / export`` end to end on their own embedded engine:
the ids an operator needs are printed, the import's exit codes (0 gaps only, 1 rows rejected,
2 nothing imported), ``--strict``, and the commands working beside a running service."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from graph_service.domain.validation import make_temporary_code
from graph_service.engines.falkordb_embedded import EmbeddedFalkorDB
from loaders.samples import credit_code, resident_id, write_attachment1, write_roster

PROVINCE = make_temporary_code("330000", 0)
COUNTY = make_temporary_code("330522", 0)
UNION = "长兴丰华纺织有限公司工会"


def _roster(tmp: Path, *, bad: bool) -> Path:
    rows: list[tuple[object, ...]] = [
        (1, "赵一", "", resident_id("330522", "19850312", 11), "中国", "本科", "13905721001",
         "城镇", "", "在岗", "主席"),
        (2, "钱二", "", resident_id("330522", "19900101", 22), "中国", "本科", "",
         "城镇", "", "在岗", ""),  # no phone: a gap; no post: 无
    ]  # fmt: skip
    if bad:
        rows.append((3, "孙三", "", "330522199001010000", "中国", "本科", "13905721003", "城镇",
                     "", "在岗", ""))  # fmt: skip
    return write_roster(tmp / ("bad.xlsx" if bad else "ok.xlsx"), UNION, rows)


def _units(tmp: Path) -> Path:
    row = (1, "长兴丰华纺织有限公司", credit_code("91", "330522", 1), "私营经济", "雉城街道", 120,
           UNION, "2001-05-06", "单建", 100, "张伟", "13905721234", "")  # fmt: skip
    return write_attachment1(tmp / "附件1.xlsx", [row])


def test_ids_exit_codes_and_strict(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"UNION_TREE_DATA_DIR": str(tmp_path / "data")}

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env=env)
        return result.exit_code, result.stdout, result.stderr

    code, out, err = run("bootstrap", "--province", "33")
    assert code == 0 and f"浙江省总工会\t{PROVINCE}" in out
    assert make_temporary_code("100000", 0) in out and "accounts create" in err
    code, out, _ = run("unions", "--name", "长兴", "--level", "COUNTY")
    assert code == 0 and out.splitlines() == [f"{COUNTY}\tCOUNTY\t长兴县总工会\t{out.split()[3]}"]
    code, _, err = run("unions", "--level", "星球")
    assert code == 1 and "UNKNOWN_CODE" in err

    code, _, err = run("import", str(_units(tmp_path)), "--union", COUNTY)
    assert code == 0, err
    code, _, err = run("import", str(_roster(tmp_path, bad=False)), "--strict", "--dry-run")
    assert code == 1 and "REQUIRED" in err  # --strict: the blank phone rejects the row
    code, _, err = run("import", str(_roster(tmp_path, bad=False)))
    assert code == 0 and "拒绝 0" in err and "必采项未填" in err  # gaps alone are no failure
    code, _, err = run("import", str(_roster(tmp_path, bad=True)))
    assert code == 1 and "ID_CHECKSUM" in err
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 broken")
    code, _, err = run("import", str(junk))
    assert code == 2 and "CORRUPT_FILE" in err
    nameless = write_roster(tmp_path / "nameless.xlsx", None, [(1, "x", "", "y")])
    code, _, err = run("import", str(nameless))
    assert code == 2 and "--union" in err  # the command line adds its own flag as the hint


def test_commands_work_beside_a_running_service(tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / "data"
    env = {"UNION_TREE_DATA_DIR": str(data)}
    assert runner.invoke(app, ["bootstrap", "--province", "33"], env=env).exit_code == 0
    units = runner.invoke(app, ["import", str(_units(tmp_path)), "--union", COUNTY], env=env)
    assert units.exit_code == 0
    engine = EmbeddedFalkorDB(data).start()  # what `serve` holds: the lock and the engine
    try:
        listed = runner.invoke(app, ["unions", "--level", "PROVINCE"], env=env)
        assert listed.exit_code == 0, listed.stderr
        assert listed.stdout.startswith(PROVINCE)
        imported = runner.invoke(app, ["import", str(_roster(tmp_path, bad=False))], env=env)
        assert imported.exit_code == 0, imported.stderr
        out = tmp_path / "export.xlsx"
        exported = runner.invoke(app, ["export", COUNTY, "--to", str(out)], env=env)
        assert exported.exit_code == 0 and out.stat().st_size > 0
        verified = runner.invoke(app, ["verify"], env=env)
        assert verified.exit_code == 0 and "不一致 0 项" in verified.stderr
        assert engine.lock_intact()  # the service's engine is still its own, still running
    finally:
        engine.stop()
