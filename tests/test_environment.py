"""environment.yml (conda) and pyproject.toml (pip) list the same dependencies."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
CONDA_ONLY = {"python", "pip"}
# conda-forge packages whose name differs from the PyPI name
CONDA_TO_PYPI = {"playwright-python": "playwright"}


def pip_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in requirements}


def conda_requirements():
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = {}
    for item in spec["dependencies"]:
        assert isinstance(item, str), "no pip: section; everything comes from conda-forge"
        requirement = Requirement(item.replace(" ", ""))
        name = requirement.name.lower()
        names[CONDA_TO_PYPI.get(name, name)] = str(requirement.specifier)
    return {k: v for k, v in names.items() if k not in CONDA_ONLY}


def test_same_packages_and_same_minimum_versions():
    assert conda_requirements() == pip_requirements()


def test_python_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert f"python{project['requires-python']}" in spec["dependencies"]
