"""A PEP 517 build backend for berth_sdk, standard library only.

berth_sdk promises to need nothing but Python itself, and that includes installing it: `pip install
./sdk/python` works on a machine with no network and no `wheel` package. The package is pure Python,
so a wheel is a zip of its modules plus the three dist-info files PEP 427 asks for.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "berth_sdk"


def _project():
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]
    fields = dict(re.findall(r'^([\w-]+)\s*=\s*"([^"]*)"', section, re.M))
    return fields["name"], fields["version"], fields.get("description", ""), fields.get("requires-python", "")


def _metadata():
    name, version, summary, requires = _project()
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    head = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {summary}",
        "License: Apache-2.0",
        f"Requires-Python: {requires}",
        "Description-Content-Type: text/markdown",
    ]
    return "\n".join(head) + "\n\n" + readme


def _modules():
    for base, _, files in os.walk(os.path.join(ROOT, PACKAGE)):
        for name in sorted(files):
            if name.endswith(".py"):
                full = os.path.join(base, name)
                yield full, os.path.relpath(full, ROOT).replace(os.sep, "/")


def _dist_name():
    name, version, _, _ = _project()
    return name.replace("-", "_"), version


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist, version = _dist_name()
    info = f"{dist}-{version}.dist-info"
    filename = f"{dist}-{version}-py3-none-any.whl"
    records = []

    def add(zf, arcname, data):
        zf.writestr(arcname, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        records.append(f"{arcname},sha256={digest},{len(data)}")

    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for full, arcname in _modules():
            with open(full, "rb") as f:
                add(zf, arcname, f.read())
        add(zf, f"{info}/METADATA", _metadata().encode("utf-8"))
        wheel = "Wheel-Version: 1.0\nGenerator: berth_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        add(zf, f"{info}/WHEEL", wheel.encode("utf-8"))
        records.append(f"{info}/RECORD,,")
        zf.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return filename


def build_sdist(sdist_directory, config_settings=None):
    dist, version = _dist_name()
    top = f"{dist}-{version}"
    filename = f"{top}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tf:
        files = [(full, arc) for full, arc in _modules()]
        for rel in ("pyproject.toml", "README.md", "build_backend/berth_build.py"):
            files.append((os.path.join(ROOT, rel), rel))
        for full, arcname in files:
            tf.add(full, arcname=f"{top}/{arcname}")
        pkg_info = _metadata().encode("utf-8")
        entry = tarfile.TarInfo(f"{top}/PKG-INFO")
        entry.size = len(pkg_info)
        tf.addfile(entry, io.BytesIO(pkg_info))
    return filename
