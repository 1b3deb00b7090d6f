"""The laptop demo's own key, and what makes a key unfit to sign anything in production."""

import stat
import threading

import pytest

from config.keys import OLD_DEVELOPMENT_KEY, PUBLISHED_KEYS, key_problem, laptop_secret_key, new_key

# --- the demo's key ------------------------------------------------------------------------


def test_the_first_run_writes_a_new_key_only_its_owner_can_read(tmp_path):
    key = laptop_secret_key(tmp_path / "secret_key")

    assert (tmp_path / "secret_key").read_text().strip() == key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert key_problem(key) is None


def test_later_runs_reuse_the_key_and_another_laptop_gets_its_own(tmp_path):
    first = laptop_secret_key(tmp_path / "secret_key")

    assert laptop_secret_key(tmp_path / "secret_key") == first
    assert laptop_secret_key(tmp_path / "other" / "secret_key") != first


def test_web_worker_and_beat_starting_together_share_one_key(tmp_path):
    # honcho starts the three at once: each must end up with the key the others sign with.
    barrier = threading.Barrier(8)
    keys = []

    def start():
        barrier.wait()
        keys.append(laptop_secret_key(tmp_path / "secret_key"))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(keys) == 8 and len(set(keys)) == 1
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # no drafts left behind


# --- keys production refuses ----------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(PUBLISHED_KEYS))
def test_every_key_this_repository_printed_is_refused(key):
    assert key_problem(key) == "it was published in Postsale's repository"


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "empty"),
        ("django-insecure-" + new_key(), "django-insecure-"),
        ("changeme", "placeholder"),
        ("Change-Me-" + new_key(), "placeholder"),
        ("your-secret-key-here-" + "x9" * 30, "placeholder"),
        ("not_for_production_" + new_key(), "placeholder"),
        (new_key()[:49], "fewer than 50"),
        ("ab12" * 20, "different characters"),
    ],
)
def test_known_placeholder_short_and_low_variety_keys_are_refused(key, problem):
    assert problem in key_problem(key)


def test_a_generated_key_is_accepted():
    assert key_problem(new_key()) is None
    assert OLD_DEVELOPMENT_KEY in PUBLISHED_KEYS
