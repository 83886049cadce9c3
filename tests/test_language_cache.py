"""The language model's unpacked copy in the user cache: one per py3langid, not one per install."""
import pytest

from textci.segment import language

ENGLISH = "The city council and the police agreed a joint plan against street crime in the old town."


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCI_CACHE", str(tmp_path))
    language._identifier.cache_clear()
    yield tmp_path
    language._identifier.cache_clear()


def test_cached_copy_is_shared_and_time_keyed_copies_are_removed(cache):
    legacy = [cache / "py3langid-4586720-1796531896941136938.npz",
              cache / "py3langid-4586720-1796612775346441234.npz"]
    for path in legacy:
        path.write_bytes(b"left by an earlier install")
    unrelated = cache / "embeddings.sqlite"
    unrelated.write_bytes(b"kept")

    assert language.identify(ENGLISH) == "en"
    copies = sorted(cache.glob("py3langid-*.npz"))
    assert len(copies) == 1 and copies[0] not in legacy
    assert unrelated.read_bytes() == b"kept"

    written = copies[0].stat().st_mtime_ns
    language._identifier.cache_clear()  # a new process: it reads the copy, does not write another
    assert language.identify(ENGLISH) == "en"
    assert sorted(cache.glob("py3langid-*.npz")) == copies
    assert copies[0].stat().st_mtime_ns == written


def test_without_a_cache_folder_the_model_is_unpacked_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTCI_CACHE", "off")
    monkeypatch.chdir(tmp_path)
    language._identifier.cache_clear()
    try:
        assert language.identify(ENGLISH) == "en"
    finally:
        language._identifier.cache_clear()
    assert list(tmp_path.iterdir()) == []
