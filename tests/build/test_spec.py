"""build.spec read as PyInstaller reads it on Linux and on Windows, without building.

There is no Windows machine to build on, so this reads the spec with PyInstaller's build
steps replaced by recorders, and the platform set to each in turn: which programs it makes
(console or windowed, icon, version resource), and which of the files PySide6's hook
collects — named as they are on that platform — it keeps. The real build, on Linux, is in
test_built_program.py.
"""

from __future__ import annotations

import sys
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]

# What PySide6's hook collects, as (place in the build, kept?). Windows keeps Qt's DLLs in
# PySide6/ and its plugins in PySide6/plugins; Linux in PySide6/Qt/lib and PySide6/Qt/plugins.
WINDOWS_FILES = [
    ("PySide6\\Qt6Core.dll", True),
    ("PySide6\\Qt6Widgets.dll", True),
    ("PySide6\\Qt6Pdf.dll", True),
    ("PySide6\\Qt6Charts.dll", True),
    ("PySide6\\Qt6OpenGL.dll", True),  # Qt Charts links it
    ("PySide6\\plugins\\platforms\\qwindows.dll", True),
    ("PySide6\\plugins\\platforms\\qoffscreen.dll", True),
    ("PySide6\\plugins\\styles\\qmodernwindowsstyle.dll", True),
    ("PySide6\\plugins\\imageformats\\qico.dll", True),
    ("PySide6\\plugins\\imageformats\\qsvg.dll", True),
    ("PySide6\\plugins\\iconengines\\qsvgicon.dll", True),
    ("PySide6\\plugins\\printsupport\\windowsprintersupport.dll", True),
    ("PySide6\\Qt6Quick.dll", False),
    ("PySide6\\opengl32sw.dll", False),  # software OpenGL: the window draws raster
    ("PySide6\\Qt6Qml.dll", False),
    ("PySide6\\Qt6VirtualKeyboard.dll", False),
    ("PySide6\\plugins\\platforminputcontexts\\qtvirtualkeyboardplugin.dll", False),
    ("PySide6\\plugins\\networkinformation\\qnetworklistmanager.dll", False),
    ("PySide6\\plugins\\generic\\qtuiotouchplugin.dll", False),
    ("PySide6\\plugins\\imageformats\\qwebp.dll", False),
    ("PySide6\\translations\\qtbase_de.qm", False),
]
LINUX_FILES = [
    ("PySide6/Qt/lib/libQt6Core.so.6", True),
    ("PySide6/Qt/lib/libQt6Pdf.so.6", True),
    ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
    ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", True),
    ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", True),
    ("PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so", True),
    ("libX11.so.6", True),
    ("libcups.so.2", True),
    ("PySide6/Qt/lib/libQt6Quick.so.6", False),
    ("libQt6Quick.so.6", False),
    ("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", False),
    ("PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6", False),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
    ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
    ("PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-kms-integration.so", False),
    ("PySide6/Qt/translations/qtbase_fr.qm", False),
    ("libpango-1.0.so.0", False),  # only the GTK theme's
    ("libcairo.so.2", False),
    ("libatk-1.0.so.0", False),
]


def _recorder(kind: str, made: list[tuple[str, tuple[Any, ...], dict[str, Any]]]):  # type: ignore[no-untyped-def]
    def record(*args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        made.append((kind, args, kwargs))
        return (kind, args, kwargs)

    return record


def read_spec(
    monkeypatch: pytest.MonkeyPatch, platform: str, files: list[tuple[str, bool]]
) -> dict[str, Any]:
    """Run build.spec as ``platform`` would, with ``files`` as what Analysis collected."""
    made: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_data_files = lambda package: []  # type: ignore[attr-defined]
    hooks.collect_submodules = lambda package: []  # type: ignore[attr-defined]
    hooks.copy_metadata = lambda package: []  # type: ignore[attr-defined]
    versioninfo = types.ModuleType("PyInstaller.utils.win32.versioninfo")
    for name in (
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ):
        setattr(versioninfo, name, _recorder(name, made))
    win32 = types.ModuleType("PyInstaller.utils.win32")
    win32.versioninfo = versioninfo  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.win32", win32)
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.win32.versioninfo", versioninfo)

    analysis: dict[str, Any] = {}

    def Analysis(scripts: list[str], **kwargs: Any) -> types.SimpleNamespace:
        analysis.update(kwargs, scripts=scripts)
        toc = [(dest, f"/src/{dest}", "BINARY") for dest, _ in files]
        return types.SimpleNamespace(scripts=["main"], pure=[], binaries=toc, datas=list(toc))

    namespace = {
        "SPECPATH": str(ROOT),
        "Analysis": Analysis,
        "PYZ": _recorder("PYZ", made),
        "EXE": _recorder("EXE", made),
        "COLLECT": _recorder("COLLECT", made),
    }
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    monkeypatch.setattr(sys, "platform", platform)
    exec(compile(spec, "build.spec", "exec"), namespace)
    monkeypatch.undo()
    return {"made": made, "analysis": analysis, "a": namespace["a"]}


def _of(made: list[tuple[str, tuple[Any, ...], dict[str, Any]]], kind: str) -> list[Any]:
    return [entry for entry in made if entry[0] == kind]


def test_on_windows_a_windowed_program_and_a_console_one_with_the_icon_and_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = read_spec(monkeypatch, "win32", WINDOWS_FILES)
    programs = {kw["name"]: kw for _, _, kw in _of(read["made"], "EXE")}
    assert set(programs) == {"carer-desk", "carer-desk-cli"}
    assert programs["carer-desk"]["console"] is False  # no console window beside it
    assert programs["carer-desk-cli"]["console"] is True  # the scripted interface prints
    for program in programs.values():
        icon = Path(program["icon"])
        assert icon.suffix == ".ico" and icon.is_file()
        assert program["version"][0] == "VSVersionInfo"
        assert program["upx"] is False
    (fixed,) = _of(read["made"], "FixedFileInfo")
    numbers = tuple(int(n) for n in VERSION.split(".")[:3])
    assert fixed[2]["filevers"][:3] == numbers
    strings = {args[0]: args[1] for _, args, _ in _of(read["made"], "StringStruct")}
    assert strings["ProductVersion"] == VERSION
    (collect,) = _of(read["made"], "COLLECT")
    assert collect[2]["name"] == "carer-desk"
    assert [p[2]["name"] for p in collect[1][:2]] == ["carer-desk", "carer-desk-cli"]


@pytest.mark.parametrize(("platform", "files"), [("win32", WINDOWS_FILES), ("linux", LINUX_FILES)])
def test_the_qt_files_kept_are_the_ones_the_program_loads(
    monkeypatch: pytest.MonkeyPatch, platform: str, files: list[tuple[str, bool]]
) -> None:
    a = read_spec(monkeypatch, platform, files)["a"]
    kept = {dest for dest, _, _ in a.binaries}
    assert kept == {dest for dest, keep in files if keep}
    assert {dest for dest, _, _ in a.datas} == kept


def test_on_linux_one_program_and_no_windows_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    read = read_spec(monkeypatch, "linux", LINUX_FILES)
    (program,) = _of(read["made"], "EXE")
    assert program[2]["name"] == "carer-desk"
    assert program[2]["icon"] is None and program[2]["version"] is None
    assert read["analysis"]["scripts"] == [str(ROOT / "carer_desk" / "__main__.py")]
    # Not in the build: the test tools, and the PostgreSQL driver (the office's).
    assert {"pytest", "hypothesis", "psycopg"} <= set(read["analysis"]["excludes"])
