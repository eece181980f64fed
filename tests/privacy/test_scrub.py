"""The secret scrubber: recall and false positives on the generated corpora, each format,
the lookalikes it must leave alone, and its guarantees (any str, linear time)."""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_otel.runtime import _secret_rules as rule_set
from codex_otel.runtime import _secrets as secrets
from codex_otel.runtime._secrets import MARKER, Finding, findings, might_contain_secret, scrub
from privacy import corpus
from privacy import credentials as cred


@pytest.fixture(scope="module")
def planted() -> tuple[str, list[corpus.Plant]]:
    return corpus.planted()


@pytest.fixture(scope="module")
def clean() -> str:
    return corpus.clean()


def test_the_corpora_are_big_and_varied(
    planted: tuple[str, list[corpus.Plant]], clean: str
) -> None:
    text, plants = planted
    assert len(text.encode()) >= 2_000_000 and len(clean.encode()) >= 2_000_000
    assert len(plants) >= 200
    assert len({plant.kind for plant in plants}) >= 15
    # Deterministic: the same seed gives the same text.
    assert corpus.planted(size=50_000) == corpus.planted(size=50_000)


def test_every_planted_credential_is_scrubbed_with_its_kind(
    planted: tuple[str, list[corpus.Plant]],
) -> None:
    text, plants = planted
    found = findings(text)
    missed = [p for p in plants if not any(f.start <= p.start and f.end >= p.end for f in found)]
    assert not missed, [(p.kind, text[p.start - 30 : p.end + 10]) for p in missed[:5]]
    kinds = {(f.start, f.end): f.kind for f in found}
    wrong = Counter(
        (p.kind, f.kind)
        for p in plants
        for f in found
        if f.start <= p.start and f.end >= p.end and f.kind != p.kind
    )
    assert not wrong, wrong
    scrubbed = scrub(text).text
    leaked = [p.kind for p in plants if text[p.start : p.end] in scrubbed]
    assert not leaked
    assert kinds


def test_clean_output_has_under_one_false_positive_per_mb(clean: str) -> None:
    found = findings(clean)
    per_mb = len(found) / (len(clean.encode()) / 1e6)
    assert per_mb < 1, [(f.kind, clean[f.start - 30 : f.end + 10]) for f in found[:5]]
    assert scrub(clean).text == clean


SAMPLES = {
    "aws-access-key-id": "AKIAZ7QWERTY234567AB",
    "github-pat": cred.github_pat(random.Random(1)),
    "github-fine-grained-pat": cred.github_fine_grained_pat(random.Random(1)),
    "gitlab-pat": cred.gitlab_pat(random.Random(2)),
    "slack-token": cred.slack_token(random.Random(1)),
    "stripe-key": cred.stripe_key(random.Random(1)),
    "openai-api-key": cred.openai_api_key(random.Random(1)),
    "anthropic-api-key": cred.anthropic_api_key(random.Random(1)),
    "gcp-api-key": cred.gcp_api_key(random.Random(1)),
    "jwt": cred.jwt(random.Random(1)),
    "npm-token": cred.npm_token(random.Random(1)),
    "huggingface-token": cred.huggingface_token(random.Random(1)),
    "sendgrid-api-key": cred.sendgrid_api_key(random.Random(1)),
    "azure-client-secret": cred.azure_client_secret(random.Random(1)),
}


@pytest.mark.parametrize(("kind", "value"), sorted(SAMPLES.items()))
def test_a_credential_in_a_sentence_is_replaced_by_its_kind(kind: str, value: str) -> None:
    result = scrub(f"the key was {value} (rotated)")
    assert result == (f"the key was {MARKER.format(kind=kind)} (rotated)", (kind,))
    assert might_contain_secret(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DB_PASSWORD=hunter2x\n", "DB_PASSWORD=[SECRET:password]\n"),
        ('{"client_secret": "s3cr3t-v4lue"}', '{"client_secret": "[SECRET:secret]"}'),
        (
            "aws_secret_access_key = " + "a1B2" * 10,
            "aws_secret_access_key = [SECRET:aws-secret-access-key]",
        ),
        ("postgres://app:pa55word@db:5432/x", "postgres://app:[SECRET:url-password]@db:5432/x"),
        (
            "Authorization: Basic dXNlcjpwYXNzd29yZA==",
            "Authorization: Basic [SECRET:authorization-header]",
        ),
        (
            "docker login --password Winter2027! reg",
            "docker login --password [SECRET:password] reg",
        ),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY-----\nok",
            "[SECRET:private-key]\nok",
        ),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", "[SECRET:private-key]"),
    ],
)
def test_credentials_found_by_their_surroundings(text: str, expected: str) -> None:
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "TOKEN_COUNT=12",
        "password_min_length: 8",
        "max_tokens: 4096",
        "pip install sk-learn",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "id=0f8fad5b-d9cb-469f-a165-70867728950e",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "password: str",
        "token = get_token()",
        "def login(password=password, token=token):",
        "password = os.environ['DB_PASSWORD']",
        "api_key: ${API_KEY}",
        'headers = {"Authorization": f"Bearer {token}"}',
        '"nextPageToken": "eyJvZmZzZXQiOiAxMDB9"',
        "git@github.com:org/repo.git https://github.com/org/repo",
        "PWD=/home/dev OLDPWD=/home",
        "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "already [SECRET:github-pat] and password=[SECRET:password]",
    ],
)
def test_lookalikes_are_left_alone(text: str) -> None:
    assert scrub(text) == (text, ())


def test_only_the_exact_documented_examples_are_spared() -> None:
    assert scrub("AKIAIOSFODNN7EXAMPLF").kinds == ("aws-access-key-id",)


def test_scrubbing_twice_changes_nothing_more(planted: tuple[str, list[corpus.Plant]]) -> None:
    once = scrub(planted[0][:200_000]).text
    assert scrub(once) == (once, ())


def test_any_str_is_accepted() -> None:
    token = SAMPLES["github-pat"]
    text = f"\ud800 caf\u00e9 \U0001f600 {token} \udfff"
    result = scrub(text)
    assert result.text == "\ud800 caf\u00e9 \U0001f600 [SECRET:github-pat] \udfff"

    class Text(str):
        def encode(self, *args: object, **kwargs: object) -> bytes:
            raise AssertionError("a subclass's methods are never asked")

    assert scrub(Text(token)).kinds == ("github-pat",)
    assert scrub("") == ("", ())
    assert findings(token) == [Finding("github-pat", 0, len(token))]


def test_a_non_str_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match="bytes"):
        scrub(b"ghp_x")  # type: ignore[arg-type]


ADVERSARIAL = {
    "letters": "a" * 1_000_000,
    "pem without end": "-----BEGIN PRIVATE KEY-----" + "A" * 1_000_000,
    "many pem starts": "-----BEGIN PRIVATE KEY-----" * 40_000,
    "assignments": "password=" * 110_000,
    "keys": "api_key" * 140_000,
    "url colons": "://" + ":" * 1_000_000,
    "url users": "://a:" * 200_000,
    "jwt parts": "eyJ" + "a" * 500_000 + ".ey" + "b" * 500_000,
    "jwt starts": "eyJaaaaaaaaaa." * 70_000,
    "openai": "sk-proj-" + "a" * 1_000_000,
    "quotes": 'password: "' + "\\a" * 500_000,
    "authorization": "authorization: " * 60_000,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_an_adversarial_megabyte_is_scanned_in_linear_time(name: str) -> None:
    text = ADVERSARIAL[name]
    start = time.process_time()
    scrub(text)
    assert time.process_time() - start < 3.0, name


@pytest.mark.skipif(not secrets.ACCELERATED, reason="google-re2 is not installed")
def test_the_re2_scan_and_the_stdlib_scan_find_the_same(
    planted: tuple[str, list[corpus.Plant]], clean: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [planted[0], clean, *ADVERSARIAL.values()]
    accelerated = [findings(text) for text in texts]
    cased, lower = secrets.scanners(accelerated=False)
    assert cased.automaton is None and lower.automaton is None
    monkeypatch.setattr(secrets, "_CASED", cased)
    monkeypatch.setattr(secrets, "_LOWER", lower)
    assert [findings(text) for text in texts] == accelerated


@pytest.mark.skipif(not secrets.ACCELERATED, reason="google-re2 is not installed")
def test_the_public_re2_search_reports_the_same_positions(
    planted: tuple[str, list[corpus.Plant]],
) -> None:
    class PublicOnly:
        """google-re2's compiled pattern without its private parts."""

        def __init__(self, automaton: object) -> None:
            self.search = automaton.search  # type: ignore[attr-defined]

    view = planted[0][:300_000].encode("ascii", "replace").lower()
    scanner = secrets._LOWER
    raw = secrets._raw_search(scanner.automaton)
    public = secrets._raw_search(PublicOnly(scanner.automaton))
    assert raw is not public
    for position in (0, 1, 5_000, 123_456):
        assert raw(view, position) == public(view, position)


def test_every_rule_has_anchors_of_two_bytes_or_more() -> None:
    rules = rule_set.SPECIFIC + rule_set.CONTEXTUAL + rule_set.ASSIGNMENTS
    assert all(rule.anchors for rule in rules)
    assert all(len(anchor) >= 2 for rule in rules for anchor in rule.anchors)


PIECES = st.sampled_from(
    [
        "password=",
        "token: ",
        '"api_key": "',
        "Authorization: Bearer ",
        "://u:",
        "@h",
        "-----BEGIN PRIVATE KEY-----",
        "ghp_",
        "eyJ",
        ".",
        "sk-",
        "\n",
        " ",
        '"',
        "=",
        "\ud800",
        SAMPLES["github-pat"],
        SAMPLES["jwt"],
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=30))
def test_scrubbing_never_raises_and_its_markers_stay(parts: list[str]) -> None:
    text = "".join(parts)
    once = scrub(text)
    assert len(once.kinds) == len(findings(text))
    # A second scrub never touches a marker (it may find a token the first left alone
    # because of its neighbour: `ghp_...` right before `-----BEGIN` is no token end).
    markers = [(m.start(), m.end()) for m in re.finditer(r"\[SECRET:[a-z0-9-]+\]", once.text)]
    for found in findings(once.text):
        assert all(found.end <= start or found.start >= end for start, end in markers)


def test_a_failing_scan_lets_nothing_through(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*arguments: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(secrets, "_judge", broken)
    assert scrub(f"token: {SAMPLES['github-pat']}") == ("[SECRET:unscanned]", ("unscanned",))
    with pytest.raises(RuntimeError):
        findings(SAMPLES["github-pat"])
