"""Fake credentials in their real formats, made from a seeded `random.Random`.

Each maker returns a value with the vendor's prefix, length, alphabet and (where the format
has one) checksum, so a scrubber meets what it would meet in real output; none was ever
issued by anyone. Formats follow the public rule sets (gitleaks, detect-secrets,
trufflehog) and the vendors' descriptions: GitHub's classic tokens end with the base-62
CRC32 of their 30 random characters, npm's new tokens likewise.
"""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from collections.abc import Callable

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
BASE32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"


def pick(rng: random.Random, alphabet: str, count: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def base62(number: int, width: int) -> str:
    digits = ""
    while number:
        number, digit = divmod(number, 62)
        digits = BASE62[digit] + digits
    return digits.rjust(width, "0")


def checksummed(rng: random.Random, prefix: str) -> str:
    """GitHub's (and npm's) format: 30 random base-62 characters, then their CRC32."""
    body = pick(rng, BASE62, 30)
    return prefix + body + base62(zlib.crc32(body.encode()), 6)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def aws_access_key_id(rng: random.Random) -> str:
    return rng.choice(("AKIA", "AKIA", "ASIA")) + pick(rng, BASE32, 16)


def aws_secret_access_key(rng: random.Random) -> str:
    return pick(rng, B64, 40)


def aws_session_token(rng: random.Random) -> str:
    return "IQoJb3JpZ2luX2VjE" + pick(rng, B64, 300) + "=="


def github_pat(rng: random.Random) -> str:
    return checksummed(rng, "ghp_")


def github_oauth_token(rng: random.Random) -> str:
    return checksummed(rng, "gho_")


def github_app_token(rng: random.Random) -> str:
    return checksummed(rng, "ghs_")


def github_user_token(rng: random.Random) -> str:
    return checksummed(rng, "ghu_")


def github_refresh_token(rng: random.Random) -> str:
    return checksummed(rng, "ghr_")


def github_fine_grained_pat(rng: random.Random) -> str:
    return "github_pat_11" + pick(rng, BASE32, 20) + "_" + pick(rng, ALNUM, 59)


def gitlab_pat(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "glpat-" + pick(rng, URLSAFE, 20)
    return "glpat-" + pick(rng, URLSAFE, 36) + ".01." + pick(rng, HEX + "ghijk", 9)


def slack_token(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"xoxb-{pick(rng, string.digits, 12)}-{pick(rng, string.digits, 13)}-{pick(rng, ALNUM, 24)}"
    return (
        f"xoxp-{pick(rng, string.digits, 11)}-{pick(rng, string.digits, 12)}-"
        f"{pick(rng, string.digits, 13)}-{pick(rng, HEX, 32)}"
    )


def slack_webhook_url(rng: random.Random) -> str:
    return (
        "hooks.slack.com/services/T"
        + pick(rng, BASE32[:26] + "0123456789", 8)
        + "/B"
        + pick(rng, string.ascii_uppercase + string.digits, 10)
        + "/"
        + pick(rng, ALNUM, 24)
    )


def stripe_key(rng: random.Random) -> str:
    return rng.choice(("sk_live_", "rk_live_", "sk_test_")) + "51" + pick(rng, ALNUM, 97)


def openai_api_key(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return "sk-" + pick(rng, ALNUM, 20) + "T3BlbkFJ" + pick(rng, ALNUM, 20)
    return "sk-proj-" + pick(rng, URLSAFE, 74) + "T3BlbkFJ" + pick(rng, URLSAFE, 74)


def anthropic_api_key(rng: random.Random) -> str:
    kind = rng.choice(("api03", "api03", "oat01"))
    return f"sk-ant-{kind}-" + pick(rng, URLSAFE, 93) + "AA"


def gcp_api_key(rng: random.Random) -> str:
    return "AIza" + pick(rng, URLSAFE, 35)


def google_oauth_token(rng: random.Random) -> str:
    return "ya29.a0" + pick(rng, URLSAFE, 150)


def azure_storage_key(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(64)).decode()


def azure_client_secret(rng: random.Random) -> str:
    return pick(rng, ALNUM, 3) + str(rng.randrange(10)) + "Q~" + pick(rng, ALNUM + "_~.-", 34)


def jwt(rng: random.Random) -> str:
    header = {"alg": rng.choice(("HS256", "RS256")), "typ": "JWT"}
    claims = {
        "sub": str(rng.randrange(10**9)),
        "iss": "https://auth.example.internal/",
        "exp": 1_790_000_000 + rng.randrange(10**6),
        "scope": "read write",
    }
    signature = rng.randbytes(32 if header["alg"] == "HS256" else 256)
    return ".".join(
        (
            b64url(json.dumps(header, separators=(",", ":")).encode()),
            b64url(json.dumps(claims, separators=(",", ":")).encode()),
            b64url(signature),
        )
    )


#: The DER start of a PKCS#1 RSA key and of a PKCS#8 key, so the base64 reads as real.
_DER = {
    "RSA PRIVATE KEY": bytes.fromhex("308204a40201000282010100"),
    "PRIVATE KEY": bytes.fromhex("308204be020100300d06092a864886f70d0101010500048204a8"),
    "EC PRIVATE KEY": bytes.fromhex("30770201010420"),
    "OPENSSH PRIVATE KEY": b"openssh-key-v1\x00\x00\x00\x00\x04none",
}


def private_key(rng: random.Random, label: str | None = None, newline: str = "\n") -> str:
    label = label or rng.choice(list(_DER))
    size = 90 if label == "EC PRIVATE KEY" else 1180
    body = base64.b64encode(_DER[label] + rng.randbytes(size)).decode()
    width = 70 if label == "OPENSSH PRIVATE KEY" else 64
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return newline.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


def password(rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return pick(rng, ALNUM + "!#%^*-_+", rng.randrange(14, 28))
    if style == 1:
        words = ("orbit", "maple", "quartz", "falcon", "ember", "tundra", "violet", "cobalt")
        return "-".join(rng.sample(words, 3)) + str(rng.randrange(10, 99))
    if style == 2:
        return (
            rng.choice(("Summer", "Winter", "Dragon", "Monkey"))
            + str(rng.randrange(1990, 2030))
            + "!"
        )
    return pick(rng, HEX, 32)


def opaque_token(rng: random.Random) -> str:
    return pick(rng, URLSAFE, rng.randrange(32, 64))


def npm_token(rng: random.Random) -> str:
    return checksummed(rng, "npm_")


def huggingface_token(rng: random.Random) -> str:
    return "hf_" + pick(rng, string.ascii_letters, 34)


def sendgrid_api_key(rng: random.Random) -> str:
    return "SG." + pick(rng, URLSAFE, 22) + "." + pick(rng, URLSAFE, 43)


def databricks_token(rng: random.Random) -> str:
    return "dapi" + pick(rng, HEX, 32)


MAKERS: dict[str, Callable[[random.Random], str]] = {
    "aws-access-key-id": aws_access_key_id,
    "aws-secret-access-key": aws_secret_access_key,
    "github-pat": github_pat,
    "github-oauth-token": github_oauth_token,
    "github-app-token": github_app_token,
    "github-user-token": github_user_token,
    "github-refresh-token": github_refresh_token,
    "github-fine-grained-pat": github_fine_grained_pat,
    "gitlab-pat": gitlab_pat,
    "slack-token": slack_token,
    "slack-webhook-url": slack_webhook_url,
    "stripe-key": stripe_key,
    "openai-api-key": openai_api_key,
    "anthropic-api-key": anthropic_api_key,
    "gcp-api-key": gcp_api_key,
    "google-oauth-token": google_oauth_token,
    "azure-storage-key": azure_storage_key,
    "azure-client-secret": azure_client_secret,
    "jwt": jwt,
    "private-key": private_key,
    "npm-token": npm_token,
    "huggingface-token": huggingface_token,
    "sendgrid-api-key": sendgrid_api_key,
    "databricks-token": databricks_token,
}
