import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    settings = (ROOT / "config" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    names = set(re.findall(r'env(?:\.[a-z]+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings))
    names |= set(re.findall(r'Env\(\)\.str\(\s*"([A-Z][A-Z0-9_]+)"', settings))
    assert names, "the settings read no environment variables?"
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"README.md does not list: {missing}"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_running_it_in_public_follows_the_docker_stack_with_its_parts():
    readme = (ROOT / "README.md").read_text()
    headings = re.findall(r"^(##+) (.+)$", readme, re.M)
    at = headings.index(("##", "Running it in public"))

    assert headings[at - 1] == ("##", "The full stack with Docker")
    parts = [title for level, title in headings[at + 1 :] if level == "###"][:8]
    assert parts == [
        "Secrets",
        "HTTPS, proxy and headers",
        "Shops and who sees them",
        "Inbound mail",
        "Webhooks of shop systems and payment providers",
        "Refund limits",
        "Files",
        "Logins and tokens",
    ]
