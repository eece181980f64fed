"""The credential formats `_secrets` finds, as data: one `Rule` per format.

The formats are facts gathered from public rule sets (gitleaks' `config/gitleaks.toml`,
detect-secrets' plugins, trufflehog's detectors) and the vendors' own descriptions of their
token formats; the patterns are written here for this engine. Every pattern is a `bytes`
pattern over the text's ASCII view (see `_secrets`), and obeys three rules that keep the
scan linear and fast with the standard library's `re`:

- it starts with a literal of at least two bytes (its *anchor*, `Rule.anchors`): the
  engine finds the anchors (with `bytes.find`, or one RE2 pass) and tries the pattern only
  there, never at every position;
- every repetition is bounded, and no repetition can match the same text two ways;
- what comes before the anchor (a word boundary, the `sk`/`rk` of a Stripe key) is checked
  by the engine (`Rule.before`, `Rule.back`); a look-behind is used only after the anchor
  (the qualifier of `api_key`, the cursor of `nextPageToken`).

A rule whose pattern has a group named `v` replaces only that group (the password of a
URL); otherwise the whole match. Named groups `k_<kind>` pick the kind among a
rule's alternatives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Rule:
    """One credential format (or a family sharing an anchor)."""

    #: The kind named in the marker, when the pattern has no `k_<kind>` group.
    kind: str
    pattern: re.Pattern[bytes]
    #: Matched against the lower-cased view (case-insensitive formats), else the text's own.
    lower: bool = False
    #: The byte before the match must not be one of these (a word boundary, by default).
    before: bytes = b""
    #: A pattern the `back_len` bytes just before the match must fullmatch; they are then
    #: part of the secret (the 4 characters before an Azure secret's `Q~`).
    back: re.Pattern[bytes] | None = None
    back_len: int = 0
    #: The literals a match starts with: the engine finds each with `bytes.find` and
    #: tries the pattern there (by default the pattern's own literal start).
    anchors: tuple[bytes, ...] = ()
    #: A generic rule (a `KEY=value` assignment, a header): loses a tie to a specific one.
    generic: bool = False
    #: A secret-naming key and its value, judged as a whole by `_secrets`.
    assignment: bool = False


_WORD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#: Bytes that continue a token (a match must not start right after one).
_TOKEN = _WORD + b"_-"
#: The end of a token: no token byte may follow.
_END = rb"(?![A-Za-z0-9_-])"


_LITERAL = re.compile(rb"(?:[A-Za-z0-9_~:/-]|\\[.-])+")


def literal_start(pattern: bytes) -> bytes:
    """The literal bytes every match of `pattern` starts with (its source's leading run of
    plain characters, less a last one a quantifier makes optional)."""
    run = _LITERAL.match(pattern)
    if run is None:
        return b""
    literal = run.group().replace(b"\\", b"")
    if pattern[run.end() : run.end() + 1] in (b"?", b"*", b"{"):
        literal = literal[:-1]
    return literal


def _rule(kind: str, pattern: bytes, **options: object) -> Rule:
    if "anchors" not in options:
        options["anchors"] = (literal_start(pattern),)
    return Rule(kind, re.compile(pattern), **options)  # type: ignore[arg-type]


#: Formats recognised by their own shape (a vendor prefix, a fixed length).
SPECIFIC: Final[tuple[Rule, ...]] = (
    # AWS access key ids: a four-letter type prefix and 16 base-32 characters.
    _rule(
        "aws-access-key-id",
        rb"A(?:KIA|SIA|BIA|CCA)[A-Z2-7]{16}(?![A-Za-z0-9])",
        anchors=(b"AKIA", b"ASIA", b"ABIA", b"ACCA"),
        before=_WORD,
    ),
    # GitHub: ghp_ (classic PAT), gho_ (OAuth), ghu_ (user-to-server), ghs_ (app
    # installation), ghr_ (refresh): 36 base-62 characters, the last six a CRC32.
    _rule(
        "github-token",
        rb"gh(?:(?P<k_github_pat>p)|(?P<k_github_oauth_token>o)|(?P<k_github_user_token>u)"
        rb"|(?P<k_github_app_token>s)|(?P<k_github_refresh_token>r))_[A-Za-z0-9]{36,251}" + _END,
        anchors=(b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"),
        before=_TOKEN,
    ),
    _rule(
        "github-fine-grained-pat",
        rb"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59,200}" + _END,
        before=_TOKEN,
    ),
    # GitLab: personal (glpat-, the routable form ending `.01.xxxxxxxxx`), deploy, runner,
    # feed, OAuth application, CI job, trigger and agent tokens.
    _rule(
        "gitlab-token",
        rb"gl(?:(?P<k_gitlab_pat>pat-[A-Za-z0-9_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?)"
        rb"|(?:dt|rt|ft|ptt|soat|oas|cbt|imt|agent|ffct)-[A-Za-z0-9_-]{20,300})" + _END,
        before=_TOKEN,
    ),
    # Slack: bot, user, workspace, app-level and refresh tokens; incoming webhooks.
    _rule("slack-token", rb"xox[abposer]-[A-Za-z0-9-]{10,250}" + _END, before=_TOKEN),
    _rule("slack-app-token", rb"xapp-\d-[A-Za-z0-9-]{10,250}" + _END, before=_TOKEN),
    _rule(
        "slack-webhook-url",
        rb"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_+-]{20,200}",
    ),
    # Stripe: secret and restricted keys (sk_/rk_, live and test), webhook secrets.
    _rule(
        "stripe-key",
        rb"k_(?:live|test|prod)_[A-Za-z0-9]{10,247}" + _END,
        anchors=(b"k_live_", b"k_test_", b"k_prod_"),
        back=re.compile(rb"[sr]"),
        back_len=1,
        before=_TOKEN,
    ),
    _rule("stripe-webhook-secret", rb"whsec_[A-Za-z0-9+/=]{24,100}" + _END, before=_TOKEN),
    # OpenAI (sk-proj-, sk-svcacct-, sk-admin-, the older sk-...T3BlbkFJ...), Anthropic
    # (sk-ant-api03-, -admin01-, Claude's OAuth sk-ant-oat01-/-ort01-), OpenRouter.
    _rule(
        "openai-api-key",
        rb"sk-(?:(?P<k_anthropic_api_key>ant-[a-z]{2,10}\d{2}-[A-Za-z0-9_-]{40,250})"
        rb"|(?P<k_openrouter_api_key>or-v1-[0-9a-f]{64})"
        rb"|(?:proj|svcacct|admin|service)-[A-Za-z0-9_-]{40,250}"
        rb"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})" + _END,
        before=_TOKEN,
    ),
    # Google: API keys, OAuth access tokens and client secrets.
    _rule("gcp-api-key", rb"AIza[0-9A-Za-z_-]{35}" + _END, before=_TOKEN),
    _rule("google-oauth-token", rb"ya29\.[0-9A-Za-z_-]{20,2048}" + _END, before=_TOKEN),
    _rule("google-client-secret", rb"GOCSPX-[0-9A-Za-z_-]{28}" + _END, before=_TOKEN),
    # Azure AD (Entra) client secrets: three characters, a digit, `Q~`, 31-34 more.
    _rule(
        "azure-client-secret",
        rb"Q~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])",
        back=re.compile(rb"[A-Za-z0-9_~.]{3}\d"),
        back_len=4,
        before=_WORD + b"_~.",
    ),
    # A JWT: three base64url parts, the first two JSON objects (`eyJ` is `{"`).
    _rule(
        "jwt",
        rb"eyJ[A-Za-z0-9_-]{8,8000}\.ey[A-Za-z0-9_-]{8,16000}\.[A-Za-z0-9_-]{0,2000}" + _END,
        before=_TOKEN,
    ),
    # PEM private keys (PKCS#1/#8, EC, OpenSSH, PGP blocks), with real or escaped newlines
    # (a service account's JSON holds its key as "-----BEGIN PRIVATE KEY-----\n..."). A
    # block cut before its END line (truncated output) is scrubbed to where it stops.
    _rule(
        "private-key",
        rb"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----"
        rb"(?:[^-]|-(?!----)){0,65536}"
        rb"(?:-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----)?",
    ),
    # Package registries and other services with a recognisable prefix.
    _rule("npm-token", rb"npm_[A-Za-z0-9]{36}" + _END, before=_TOKEN),
    _rule("pypi-token", rb"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000}" + _END, before=_TOKEN),
    _rule("huggingface-token", rb"hf_[A-Za-z]{34}" + _END, before=_TOKEN),
    _rule("sendgrid-api-key", rb"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}" + _END, before=_TOKEN),
    _rule(
        "digitalocean-token",
        rb"_v1_[a-f0-9]{64}" + _END,
        back=re.compile(rb"do[opr]"),
        back_len=3,
        before=_TOKEN,
    ),
    _rule("shopify-token", rb"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" + _END, before=_TOKEN),
    _rule("vault-token", rb"hv[sbr]\.[A-Za-z0-9_-]{24,200}" + _END, before=_TOKEN),
    _rule("databricks-token", rb"dapi[a-f0-9]{32}(?:-\d)?" + _END, before=_TOKEN),
    _rule(
        "age-secret-key",
        rb"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}" + _END,
        before=_TOKEN,
    ),
)

#: Credentials found by their surroundings: passwords in URLs, Authorization headers.
CONTEXTUAL: Final[tuple[Rule, ...]] = (
    # scheme://user:password@host: the password. The user excludes `:`, so the first
    # colon after `://` ends it; neither part may cross a `/`, space or quote.
    _rule(
        "url-password",
        rb"://[^\s/:@'\"<>]{0,256}:(?P<v>[^\s/@'\"<>]{1,256})@[A-Za-z0-9\[]",
        generic=True,
    ),
    # An Authorization (or Proxy-Authorization) header or field: its credentials, after
    # the scheme (Bearer, Basic, token, ...).
    _rule(
        "authorization-header",
        rb"authorization\\?[\"']?[ \t]{0,8}[:=][ \t]{0,8}\\?[\"']?"
        rb"(?:(?:bearer|basic|token|bot|digest|apikey|api-key|sso-key|ssws|dsn)[ \t]{1,8})?"
        rb"(?P<v>[A-Za-z0-9._~+/=:-]{8,4096})",
        lower=True,
        generic=True,
    ),
)

_QUALIFIERS = (
    b"api access private secret account sharedaccess auth client signing encryption master"
    b" subscription admin app license service webhook hmac".split()
)


#: `...key` names a secret only after a qualifier (api_key, AccountKey; not sort_key).
def _by_length(words: list[bytes]) -> list[bytes]:
    """`words` as alternations of words of one length (a look-behind must have one width)."""
    lengths = sorted({len(word) for word in words})
    return [b"(?:" + b"|".join(w for w in words if len(w) == n) + b")" for n in lengths]


#: `...key` names a secret only after a qualifier (api_key, AccountKey; not sort_key).
_QUALIFIED_KEY = (
    b"key(?:"
    + b"|".join(
        b"(?<=" + group + separator + b"key)"
        for group in _by_length(_QUALIFIERS)
        for separator in (b"", b"[_.-]")
    )
    + b")"
)
_CURSORS = b"page next continuation sync cancellation pagination resume cursor".split()
#: `...token` names a credential, except a cursor's (nextPageToken, NextToken).
_CREDENTIAL_TOKEN = b"ken" + b"".join(
    b"(?<!" + group + separator + b"token)"
    for group in _by_length(_CURSORS)
    for separator in (b"", b"_")
)

#: The stems of secret-naming keys (lower case) and their anchors: a match starts at the
#: stem, and `_secrets` reads the whole key back from there.
KEY_STEMS: Final[tuple[tuple[bytes, tuple[bytes, ...]], ...]] = (
    (b"(?:passw(?:or)?d|pwd|passphrase)", (b"passw", b"pwd", b"passphrase")),
    (b"secret", (b"secret",)),
    (b"to" + _CREDENTIAL_TOKEN, (b"token",)),
    (_QUALIFIED_KEY, (b"key",)),
    (b"credential", (b"credential",)),
    # `"auth"` alone (a Docker config's), not `oauth` or `auth_url`.
    (b'"auth', (b'"auth',)),
)

#: After the stem: the rest of the key's name, the closing quote, the separator and the
#: value (quoted, possibly JSON-escaped, or bare).
#: What may end a secret-naming key after its stem: SECRET_KEY, AWS_SECRET_ACCESS_KEY,
#: SECRET_KEY_BASE, client_secrets (never token_count, password_min_length).
KEY_TAIL: Final = (
    rb"(?:s|[_.-]?(?:access[_.-]?key|key(?:[_.-]?base)?|base(?:64)?|value|b64|hex|token|str))?"
)
#: The stems that may also take their value after a space (`--password X`).
FLAG_STEMS: Final = (b"passw", b"pwd", b"passphrase")

_ASSIGNMENT = (
    rb"(?P<t>" + KEY_TAIL + rb")(?![a-z0-9_.-])"
    rb"\\?[\"'\]]{0,2}(?P<sep>[ \t]{0,8}(?::=|=>|=(?!=)|:(?!:))[ \t]{0,8}@SPACE@)"
    rb"(?:(?P<q>\\?[\"'`])(?P<qv>(?:[^\"'`\\\n]|\\[^\"'`\n]){4,1024})"
    rb"|(?P<v>[^\s\"'`,;<>{}\[\]|$:=][^\s\"'`,;<>{}\[\]|]{4,1023}))"
)

ASSIGNMENTS: Final[tuple[Rule, ...]] = tuple(
    _rule(
        "secret",
        # A password may also follow its command-line flag after a space (`--password X`).
        stem + _ASSIGNMENT.replace(b"@SPACE@", b"|[ \t]{1,8}" if anchors == FLAG_STEMS else b""),
        anchors=anchors,
        lower=True,
        generic=True,
        assignment=True,
    )
    for stem, anchors in KEY_STEMS
)
