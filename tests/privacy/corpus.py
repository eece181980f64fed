"""Realistic coding-agent tool output, generated deterministically: with planted credentials,
or clean and rich in lookalikes (git SHAs, UUIDs, digests, base64 images, `max_tokens: 4096`).

    python tests/privacy/corpus.py [--clean] [--seed N] [--size BYTES] > corpus.txt

`planted(seed, size)` returns the text and every credential in it (its kind and span);
`clean(seed, size)` returns text without any. Both are made at test time from a seed, so
nothing resembling a credential is committed. The sections are what an agent's tools
print: shell sessions, `env`, `cat .env`, `git diff`, pytest, npm and cargo runs, JSON API
responses, logs, config files, stack traces, base64 blobs, minified JavaScript.

In the clean corpus every slot that holds a credential in the planted one holds what a
careful project writes instead (`${DB_PASSWORD}`, `<redacted>`, `****`), and the
documented example keys (`AKIAIOSFODNN7EXAMPLE`) appear as they do in docs and fixtures:
the scrubber leaves exactly those alone (see `codex_otel.runtime._secrets`).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

if __package__:
    from . import credentials as cred
else:  # run as a script
    import credentials as cred  # type: ignore[no-redef,import-not-found]


@dataclass(frozen=True)
class Plant:
    """A credential in the corpus: the kind a scrubber should name, and where it is."""

    kind: str
    start: int
    end: int


@dataclass
class Writer:
    """Text built piece by piece; `secret` writes a credential (or, clean, a stand-in)."""

    rng: random.Random
    planting: bool
    parts: list[str] = field(default_factory=list)
    plants: list[Plant] = field(default_factory=list)
    size: int = 0

    def write(self, text: str) -> str:
        self.parts.append(text)
        self.size += len(text)
        return text

    def secret(self, kind: str, value: str | None = None, stand_in: str | None = None) -> str:
        """Write a credential of `kind` (made here unless given); returns what was written."""
        if not self.planting:
            text = stand_in or self.rng.choice(_STAND_INS)
            self.write(text)
            return text
        text = value if value is not None else cred.MAKERS[kind](self.rng)
        self.plants.append(Plant(kind, self.size, self.size + len(text)))
        self.write(text)
        return text


_STAND_INS = (
    "${SECRET}",
    "<redacted>",
    "****",
    "${{ secrets.TOKEN }}",
    "$TOKEN",
    "<your-token-here>",
)


# --- lookalikes: identifiers that are not credentials ------------------------------------


def sha1(rng: random.Random) -> str:
    return cred.pick(rng, cred.HEX, 40)


def sha256(rng: random.Random) -> str:
    return hashlib.sha256(rng.randbytes(16)).hexdigest()


def a_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(count))


_WORDS = [
    "the",
    "request",
    "token",
    "count",
    "exceeded",
    "limit",
    "retry",
    "with",
    "backoff",
    "cache",
    "key",
    "secret",
    "manager",
    "password",
    "policy",
    "session",
    "expired",
    "user",
    "login",
    "handler",
    "config",
    "loader",
    "parser",
    "input",
    "output",
    "stream",
    "buffer",
    "worker",
    "queue",
    "timeout",
    "connection",
    "pool",
    "database",
    "migration",
    "schema",
    "index",
]


# --- sections ------------------------------------------------------------------------------


def shell_session(w: Writer) -> None:
    rng = w.rng
    w.write(f"$ cd ~/src/{rng.choice(('api', 'web', 'infra', 'ml-pipeline'))} && git status\n")
    w.write(
        f"On branch feature/{rng.choice(('auth', 'billing', 'search'))}-{rng.randrange(100, 999)}\n"
    )
    w.write(
        "Changes not staged for commit:\n  modified:   src/config.py\n  modified:   .env.example\n\n"
    )
    w.write(f"$ git log --oneline -3\n{sha1(rng)[:7]} Fix token refresh race\n")
    w.write(
        f"{sha1(rng)[:7]} Bump pydantic to 2.7.1\n{sha1(rng)[:7]} Add password_min_length setting\n"
    )
    choice = rng.randrange(6)
    if choice == 0:
        w.write("$ export GITHUB_TOKEN=")
        w.secret(rng.choice(("github-pat", "github-fine-grained-pat")))
        w.write("\n$ gh api user --jq .login\noctocat\n")
    elif choice == 1:
        w.write("$ curl -sS -H 'Authorization: Bearer ")
        w.secret(rng.choice(("openai-api-key", "anthropic-api-key", "jwt")))
        w.write("' https://api.internal.example/v1/models | head -3\n")
        w.write('{"object": "list", "data": [{"id": "model-a", "object": "model"}]}\n')
    elif choice == 2:
        w.write("$ git remote -v\norigin\thttps://deploy:")
        w.secret("url-password", cred.opaque_token(rng))
        w.write("@gitlab.example.com/team/app.git (fetch)\n")
    elif choice == 3:
        w.write(
            "$ aws configure list\n      Name                    Value             Type    Location\n"
        )
        w.write("access_key     ****************")
        w.write(cred.pick(rng, cred.BASE32, 4))
        w.write(
            " shared-credentials-file\n$ cat ~/.aws/credentials\n[default]\naws_access_key_id = "
        )
        w.secret("aws-access-key-id")
        w.write("\naws_secret_access_key = ")
        w.secret("aws-secret-access-key")
        w.write("\nregion = us-east-1\n")
    elif choice == 4:
        w.write("$ npm config get //registry.npmjs.org/:_authToken\n")
        w.secret("npm-token")
        w.write("\n")
    else:
        w.write("$ docker login -u ci-bot --password ")
        w.secret("password", cred.password(rng))
        w.write(" registry.example.com\nLogin Succeeded\n")
    w.write(f"$ ls -la\ntotal {rng.randrange(40, 200)}\n")
    for name in ("README.md", "pyproject.toml", "src", "tests", ".env"):
        w.write(
            f"-rw-r--r--  1 dev staff {rng.randrange(100, 90000):>6} Nov {rng.randrange(1, 28):>2} 10:{rng.randrange(10, 59)} {name}\n"
        )


def env_dump(w: Writer) -> None:
    rng = w.rng
    w.write("$ env | sort\n")
    lines: list[tuple[str, Callable[[], object]]] = [
        ("HOME=/home/dev\n", lambda: None),
        ("LANG=en_US.UTF-8\n", lambda: None),
        (f"PWD=/home/dev/src/app\nOLDPWD=/home/dev\nSHLVL={rng.randrange(1, 4)}\n", lambda: None),
        ("PATH=/usr/local/bin:/usr/bin:/bin:/home/dev/.cargo/bin\n", lambda: None),
        (
            f"TOKEN_COUNT={rng.randrange(1, 50)}\nMAX_TOKENS={rng.choice((1024, 4096, 8192))}\n",
            lambda: None,
        ),
        (
            f"SSH_AUTH_SOCK=/tmp/ssh-{cred.pick(rng, cred.ALNUM, 10)}/agent.{rng.randrange(1000, 9999)}\n",
            lambda: None,
        ),
        (f"GIT_COMMIT={sha1(rng)}\nBUILD_ID={a_uuid(rng)}\n", lambda: None),
        ("AWS_ACCESS_KEY_ID=", lambda: (w.secret("aws-access-key-id"), w.write("\n"))),
        ("AWS_SECRET_ACCESS_KEY=", lambda: (w.secret("aws-secret-access-key"), w.write("\n"))),
        ("OPENAI_API_KEY=", lambda: (w.secret("openai-api-key"), w.write("\n"))),
        ("ANTHROPIC_API_KEY=", lambda: (w.secret("anthropic-api-key"), w.write("\n"))),
        ("SLACK_BOT_TOKEN=", lambda: (w.secret("slack-token"), w.write("\n"))),
        ("STRIPE_SECRET_KEY=", lambda: (w.secret("stripe-key"), w.write("\n"))),
        ("HF_TOKEN=", lambda: (w.secret("huggingface-token"), w.write("\n"))),
        ("DATABRICKS_TOKEN=", lambda: (w.secret("databricks-token"), w.write("\n"))),
        ("POSTGRES_PASSWORD=", lambda: (w.secret("password", cred.password(rng)), w.write("\n"))),
        ("SESSION_SECRET=", lambda: (w.secret("secret", cred.opaque_token(rng)), w.write("\n"))),
    ]
    for prefix, then in rng.sample(lines, rng.randrange(7, len(lines))):
        w.write(prefix)
        then()


def dotenv(w: Writer) -> None:
    rng = w.rng
    w.write("$ cat .env\n# local development settings\nDEBUG=true\nPORT=8000\n")
    w.write("DATABASE_URL=postgresql://app:")
    w.secret("url-password", cred.password(rng).replace("@", "").replace("/", ""))
    w.write(f"@localhost:5432/app_{rng.choice(('dev', 'test'))}\n")
    w.write("REDIS_URL=redis://localhost:6379/0\nPASSWORD_MIN_LENGTH=12\n")
    w.write("SECRET_KEY=")
    w.secret("secret", cred.pick(rng, cred.ALNUM + "!@#%^&*(-_=+)", 50).replace("#", "x"))
    w.write("\nSENDGRID_API_KEY=")
    w.secret("sendgrid-api-key")
    w.write("\nGOOGLE_MAPS_API_KEY=")
    w.secret("gcp-api-key")
    w.write("\nSLACK_WEBHOOK=https://")
    w.secret("slack-webhook-url")
    w.write("\nAZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=")
    w.write(f"st{cred.pick(rng, 'abcdefghijklmnopqrstuvwxyz0123456789', 10)};AccountKey=")
    w.secret("azure-storage-key")
    w.write(";EndpointSuffix=core.windows.net\nAZURE_CLIENT_SECRET=")
    w.secret("azure-client-secret")
    w.write(f"\nAZURE_TENANT_ID={a_uuid(rng)}\nJWT_EXPIRY_SECONDS=3600\n\n")


def git_diff(w: Writer) -> None:
    rng = w.rng
    w.write(
        f"$ git diff\ndiff --git a/config/settings.yaml b/config/settings.yaml\nindex {sha1(rng)[:7]}..{sha1(rng)[:7]} 100644\n"
    )
    w.write(
        "--- a/config/settings.yaml\n+++ b/config/settings.yaml\n@@ -12,9 +12,11 @@ database:\n"
    )
    w.write(
        "   host: db.internal\n   port: 5432\n   user: app\n-  password: ${DB_PASSWORD}\n+  password: "
    )
    w.secret("password", cred.password(rng).replace("#", "x").replace(" ", ""))
    w.write("\n   pool_size: 10\n auth:\n   password_min_length: 8\n   token_ttl_seconds: 900\n")
    w.write("-  client_secret: ''\n+  client_secret: \"")
    w.secret("secret", cred.opaque_token(rng))
    w.write('"\n')
    w.write("diff --git a/src/client.py b/src/client.py\n@@ -1,8 +1,9 @@\n import os\n")
    w.write('+import requests\n \n-API_KEY = os.environ["API_KEY"]\n+API_KEY = "')
    w.secret("api-key", cred.opaque_token(rng))
    w.write('"  # TODO: move back to env\n \n def fetch(token: str | None = None) -> dict:\n')
    w.write(
        '     headers = {"Authorization": f"Bearer {token}"}\n+    password = getpass.getpass()\n'
    )
    w.write("     return requests.get(URL, headers=headers, auth=auth, timeout=10).json()\n")
    if rng.random() < 0.6:
        w.write(
            "diff --git a/deploy/key.pem b/deploy/key.pem\nnew file mode 100600\n--- /dev/null\n+++ b/deploy/key.pem\n@@ -0,0 +1,28 @@\n"
        )
        w.write("+")
        w.secret("private-key", "\n+".join(cred.private_key(rng).splitlines()))
        w.write("\n")


def pytest_run(w: Writer) -> None:
    rng = w.rng
    w.write("$ python -m pytest -q tests/\n")
    for _ in range(rng.randrange(3, 8)):
        w.write("." * rng.randrange(20, 70) + f" [{rng.randrange(1, 99):>3}%]\n")
    w.write("=================================== FAILURES ===================================\n")
    w.write("______________________ test_login_rejects_expired_token ______________________\n\n")
    w.write("    def test_login_rejects_expired_token(client):\n")
    w.write('>       response = client.post("/login", json={"username": "alice", "password": "')
    w.secret("password", cred.password(rng).replace('"', ""))
    w.write('"})\n')
    w.write(
        "E       AssertionError: assert 200 == 401\nE        +  where 200 = <Response [200]>.status_code\n\n"
    )
    w.write(f"tests/test_auth.py:{rng.randrange(20, 300)}: AssertionError\n")
    w.write("----------------------------- Captured log call ------------------------------\n")
    w.write(
        'DEBUG    urllib3.connectionpool:connectionpool.py:546 https://api.example.com:443 "POST /oauth/token HTTP/1.1" 200 None\n'
    )
    w.write('DEBUG    app.auth:auth.py:88 token response: {"access_token": "')
    w.secret(rng.choice(("jwt", "google-oauth-token")))
    w.write('", "token_type": "Bearer", "expires_in": 3599, "refresh_token": "')
    w.secret("token", cred.opaque_token(rng))
    w.write('"}\n')
    passed = rng.randrange(50, 400)
    w.write(
        f"FAILED tests/test_auth.py::test_login_rejects_expired_token - AssertionError\n{passed} passed, 1 failed in {rng.random() * 20:.2f}s\n"
    )


def npm_run(w: Writer) -> None:
    rng = w.rng
    w.write("$ npm test\n\n> web@1.4.2 test\n> vitest run\n\n")
    for name in ("auth.spec.ts", "session.spec.ts", "tokenizer.spec.ts", "api.spec.ts"):
        w.write(f" \u2713 src/{name} ({rng.randrange(2, 40)} tests) {rng.randrange(5, 900)}ms\n")
    w.write(f"\n Test Files  4 passed (4)\n      Tests  {rng.randrange(40, 200)} passed\n")
    w.write("$ cat .npmrc\nregistry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=")
    w.secret("npm-token")
    w.write("\n$ npm ls --depth=0\nweb@1.4.2 /home/dev/web\n")
    w.write(
        f"\u251c\u2500\u2500 react@18.3.1\n\u2514\u2500\u2500 zod@3.23.8 integrity sha512-{base64.b64encode(rng.randbytes(64)).decode()}\n"
    )


def cargo_run(w: Writer) -> None:
    rng = w.rng
    w.write("$ cargo test\n   Compiling tokio v1.38.0\n   Compiling app v0.3.1 (/home/dev/app)\n")
    w.write(
        f"    Finished `test` profile [unoptimized + debuginfo] target(s) in {rng.randrange(5, 90)}.{rng.randrange(10, 99)}s\n"
    )
    w.write(
        f"     Running unittests src/lib.rs (target/debug/deps/app-{cred.pick(rng, cred.HEX, 16)})\n\n"
    )
    for name in ("token::parses_header", "secret::rotates", "key::derive", "auth::password_hash"):
        w.write(f"test {name} ... ok\n")
    w.write("\nthread 'config::loads_env' panicked at src/config.rs:41:9:\n")
    w.write('assertion `left == right` failed\n  left: Config { api_token: "')
    w.secret("token", cred.opaque_token(rng))
    w.write('", endpoint: "https://api.example.com" }\n')
    w.write(f"test result: FAILED. {rng.randrange(10, 80)} passed; 1 failed; 0 ignored\n")


def json_response(w: Writer) -> None:
    rng = w.rng
    w.write(
        "$ aws sts assume-role --role-arn arn:aws:iam::123456789012:role/deploy --role-session-name ci\n"
    )
    w.write('{\n    "Credentials": {\n        "AccessKeyId": "')
    w.secret("aws-access-key-id", "ASIA" + cred.pick(rng, cred.BASE32, 16))
    w.write('",\n        "SecretAccessKey": "')
    w.secret("aws-secret-access-key")
    w.write('",\n        "SessionToken": "')
    w.secret("token", cred.aws_session_token(rng))
    w.write(
        f'",\n        "Expiration": "2026-12-0{rng.randrange(1, 9)}T18:{rng.randrange(10, 59)}:00+00:00"\n    }},\n'
    )
    w.write(
        f'    "AssumedRoleUser": {{"AssumedRoleId": "AROA{cred.pick(rng, cred.BASE32, 17)}:ci"}}\n}}\n'
    )
    w.write("$ cat service-account.json\n")
    document = {
        "type": "service_account",
        "project_id": f"proj-{rng.randrange(1000, 9999)}",
        "private_key_id": sha1(rng),
        "private_key": "@@KEY@@",
        "client_email": "ci@proj.iam.gserviceaccount.com",
        "client_id": str(rng.randrange(10**20, 10**21)),
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    text = json.dumps(document, indent=2)
    before, after = text.split("@@KEY@@")
    w.write(before)
    w.secret("private-key", cred.private_key(rng, "PRIVATE KEY", newline="\\n"))
    w.write("\\n" + after + "\n")


def api_listing(w: Writer) -> None:
    rng = w.rng
    items = [
        {
            "id": a_uuid(rng),
            "sha": sha1(rng),
            "digest": "sha256:" + sha256(rng),
            "created_at": f"2026-11-{rng.randrange(10, 30)}T0{rng.randrange(9)}:12:00Z",
            "token_count": rng.randrange(100, 9000),
            "max_tokens": 4096,
            "key": f"uploads/{a_uuid(rng)}.png",
            "secret_name": "db-credentials",
            "password_required": rng.random() < 0.5,
        }
        for _ in range(rng.randrange(3, 8))
    ]
    body = {
        "items": items,
        "nextPageToken": base64.b64encode(
            json.dumps({"o": rng.randrange(10**6)}).encode()
        ).decode(),
    }
    w.write(
        "$ curl -s https://api.example.com/v2/files | jq .\n" + json.dumps(body, indent=2) + "\n"
    )


def log_lines(w: Writer) -> None:
    rng = w.rng
    for _ in range(rng.randrange(15, 40)):
        level = rng.choice(("INFO", "INFO", "DEBUG", "WARN", "ERROR"))
        stamp = f"2026-12-07T1{rng.randrange(10)}:{rng.randrange(10, 59)}:{rng.randrange(10, 59)}.{rng.randrange(100, 999)}Z"
        w.write(f"{stamp} {level:5} [{rng.choice(('http', 'worker', 'auth', 'db'))}] ")
        roll = rng.random()
        if roll < 0.04:
            w.write("outgoing request headers={'Authorization': 'Basic ")
            w.secret(
                "authorization-header",
                base64.b64encode(f"svc:{cred.password(rng)}".encode()).decode(),
            )
            w.write("', 'Accept': 'application/json'}\n")
        elif roll < 0.07:
            w.write("connecting to mongodb+srv://reporter:")
            w.secret("url-password", cred.opaque_token(rng))
            w.write("@cluster0.ab1cd.mongodb.net/reports?retryWrites=true\n")
        elif roll < 0.09:
            w.write("gitlab push mirror configured with token=")
            w.secret("gitlab-pat")
            w.write("\n")
        else:
            w.write(
                f"request_id={a_uuid(rng)} trace_id={cred.pick(rng, cred.HEX, 32)} {words(rng, rng.randrange(4, 12))} took={rng.randrange(1, 900)}ms\n"
            )


def config_file(w: Writer) -> None:
    rng = w.rng
    w.write(
        '$ cat config/production.toml\n[server]\nhost = "0.0.0.0"\nport = 8443\nworkers = 4\n\n[auth]\n'
    )
    w.write('password_min_length = 12\ntoken_ttl = "15m"\nsession_key_name = "sid"\njwt_secret = "')
    w.secret("secret", cred.opaque_token(rng))
    w.write('"\n\n[integrations.github]\napp_id = 123456\nwebhook_secret = "')
    w.secret("secret", cred.opaque_token(rng))
    w.write('"\ntoken = "')
    w.secret(
        rng.choice(
            ("github-app-token", "github-oauth-token", "github-user-token", "github-refresh-token")
        )
    )
    w.write(
        '"\n\n$ cat docker-compose.yml\nservices:\n  db:\n    image: postgres:16\n    environment:\n'
    )
    w.write("      POSTGRES_USER: app\n      POSTGRES_PASSWORD: ")
    w.secret("password", cred.password(rng).replace("#", "x").replace(":", ""))
    w.write("\n  kms:\n    environment:\n      AGE_KEY_FILE: /run/secrets/age.txt\n")
    w.write("    secrets:\n      - source: tls\n        target: /run/secrets/tls.key\n")


def stack_trace(w: Writer) -> None:
    rng = w.rng
    w.write("Traceback (most recent call last):\n")
    for depth in range(rng.randrange(3, 7)):
        module = rng.choice(
            ("app/handlers.py", "app/db.py", "site-packages/httpx/_client.py", "app/auth/tokens.py")
        )
        w.write(
            f'  File "/srv/{module}", line {rng.randrange(10, 900)}, in {rng.choice(("handle", "refresh_token", "connect", "get_secret"))}\n'
        )
        w.write(
            f"    {rng.choice(('return self._send(request)', 'token = self.cache.get(key)', 'raise AuthError(msg)', 'conn = pool.acquire()'))}\n"
        )
        del depth
    if rng.random() < 0.5:
        w.write(
            "httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'https://hooks.example.com/notify?api_key="
        )
        w.secret("api-key", cred.opaque_token(rng))
        w.write("'\n")
    else:
        w.write("sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: ")
        w.write('FATAL: password authentication failed for user "app"\n')


def base64_blob(w: Writer) -> None:
    rng = w.rng
    png = b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randrange(600, 3000))
    w.write(
        '<img alt="chart" src="data:image/png;base64,' + base64.b64encode(png).decode() + '">\n'
    )


def minified_js(w: Writer) -> None:
    rng = w.rng
    chunks = [
        'function n(e,t){return e.token?{...t,Authorization:"Bearer "+e.token}:t}',
        "var r={apiKey:t.apiKey,password:e.password,secret:i.secret};",
        'const o=e=>fetch(e,{headers:{"x-api-key":a.key}}).then(e=>e.json());',
        "export{o as fetchJson,n as withAuth};//# sourceMappingURL=index.js.map",
        "let s=new Map;for(let e=0;e<t.length;e++)s.set(t[e].key,t[e]);",
        'if(!l.password||l.password.length<8)throw new Error("password too short");',
    ]
    w.write("$ head -c 2000 dist/index.min.js\n")
    w.write("".join(rng.choice(chunks) for _ in range(rng.randrange(10, 30))) + "\n")


def documented_examples(w: Writer) -> None:
    w.write("$ cat tests/fixtures/aws.ini\n[fixture]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")
    w.write("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")


def python_source(w: Writer) -> None:
    rng = w.rng
    w.write("$ sed -n 1,40p app/settings.py\nimport os\nfrom pydantic import SecretStr\n\n")
    w.write(
        "class Settings(BaseSettings):\n    api_key: SecretStr\n    password: str = Field(min_length=8)\n"
    )
    w.write(
        '    token: Optional[str] = None\n    max_tokens: int = 4096\n    secret_key = os.environ.get("SECRET_KEY")\n\n'
    )
    w.write("def connect(password=password, token=token):\n    password = getpass.getpass()\n")
    w.write(
        "    client = Client(api_key=api_key, secret=settings.secret)\n    return client.login(password)\n"
    )
    w.write(f"# sklearn is installed as sk-learn in some mirrors; commit {sha1(rng)}\n")
    if w.planting and rng.random() < 0.5:
        w.write('DEFAULT_ADMIN_PASSWORD = "')
        w.secret("password", cred.password(rng).replace('"', ""))
        w.write('"\n')


SECTIONS: tuple[Callable[[Writer], None], ...] = (
    shell_session,
    env_dump,
    dotenv,
    git_diff,
    pytest_run,
    npm_run,
    cargo_run,
    json_response,
    api_listing,
    log_lines,
    config_file,
    stack_trace,
    base64_blob,
    minified_js,
    python_source,
    documented_examples,
)


# --- bulk: the long, ordinary output most tool calls print --------------------------------


def pytest_verbose(w: Writer) -> None:
    rng = w.rng
    w.write("$ python -m pytest -v tests/\n============ test session starts ============\n")
    w.write(f"platform linux -- Python 3.12.{rng.randrange(1, 8)}, pytest-8.3.3, pluggy-1.5.0\n")
    for index in range(rng.randrange(40, 120)):
        module = rng.choice(
            ("test_api", "test_models", "test_tokenizer", "test_cache", "test_auth")
        )
        name = "_".join(rng.choice(_WORDS) for _ in range(rng.randrange(2, 5)))
        status = "PASSED" if rng.random() < 0.97 else rng.choice(("SKIPPED", "XFAIL"))
        w.write(f"tests/{module}.py::test_{name}[{index}] {status} [{rng.randrange(1, 100):>3}%]\n")


def build_log(w: Writer) -> None:
    rng = w.rng
    w.write("$ npm install\n")
    for _ in range(rng.randrange(5, 15)):
        package = rng.choice(("inflight", "glob", "rimraf", "uuid", "querystring", "request"))
        w.write(
            f"npm warn deprecated {package}@{rng.randrange(1, 9)}.{rng.randrange(20)}.{rng.randrange(9)}: This module is not supported\n"
        )
    w.write(
        f"\nadded {rng.randrange(200, 1400)} packages, and audited {rng.randrange(200, 1400)} packages in {rng.randrange(2, 60)}s\n"
    )
    w.write("$ cargo build --release\n")
    for _ in range(rng.randrange(10, 40)):
        crate = rng.choice(("serde", "tokio", "hyper", "rustls", "ring", "sha2", "base64", "uuid"))
        w.write(
            f"   Compiling {crate} v{rng.randrange(1)}.{rng.randrange(40)}.{rng.randrange(30)}\n"
        )
    w.write(
        "warning: unused variable: `token`\n  --> src/auth.rs:42:9\n   |\n42 |     let token = parse(&header)?;\n"
    )
    w.write(
        "   |         ^^^^^ help: if this is intentional, prefix it with an underscore: `_token`\n"
    )


def source_listing(w: Writer) -> None:
    rng = w.rng
    w.write(f"$ cat src/{rng.choice(('cache', 'queue', 'parser'))}.py\n")
    for _ in range(rng.randrange(4, 10)):
        name = "_".join(rng.choice(_WORDS) for _ in range(2))
        w.write(f"\n\ndef {name}(self, key: str, value: bytes, *, timeout: float = 1.0) -> bool:\n")
        w.write(f'    """{words(rng, rng.randrange(6, 14)).capitalize()}."""\n')
        w.write("    if key in self._entries and not self._expired(key):\n")
        w.write(f"        return self._entries[key] == value  # {words(rng, 5)}\n")
        w.write(f"    digest = hashlib.sha256(value).hexdigest()  # e.g. {sha256(rng)}\n")
        w.write("    self._entries[key] = value\n    return True\n")


def git_log(w: Writer) -> None:
    rng = w.rng
    w.write("$ git log --stat -5\n")
    for _ in range(5):
        w.write(
            f"commit {sha1(rng)}\nAuthor: {rng.choice(('Ada', 'Linus', 'Grace'))} <dev@example.com>\n"
        )
        w.write(f"Date:   Mon Dec {rng.randrange(1, 28)} 1{rng.randrange(10)}:00:00 2026 +0100\n\n")
        w.write(f"    {words(rng, rng.randrange(4, 10)).capitalize()}\n\n")
        for _ in range(rng.randrange(1, 5)):
            w.write(
                f" src/{rng.choice(_WORDS)}/{rng.choice(_WORDS)}.py | {rng.randrange(1, 90):>3} {'+' * rng.randrange(1, 20)}{'-' * rng.randrange(0, 9)}\n"
            )


def file_listing(w: Writer) -> None:
    rng = w.rng
    w.write("$ find . -name '*.json' | xargs sha256sum\n")
    for _ in range(rng.randrange(10, 40)):
        w.write(f"{sha256(rng)}  ./data/{a_uuid(rng)}.json\n")
    w.write("$ docker images\nREPOSITORY   TAG   IMAGE ID   CREATED   SIZE\n")
    for _ in range(rng.randrange(3, 10)):
        w.write(
            f"app/{rng.choice(_WORDS)}   {rng.randrange(1, 9)}.{rng.randrange(20)}   {sha1(rng)[:12]}   {rng.randrange(2, 30)} days ago   {rng.randrange(50, 900)}MB\n"
        )


BULK: tuple[Callable[[Writer], None], ...] = (
    pytest_verbose,
    build_log,
    source_listing,
    git_log,
    file_listing,
    base64_blob,
    api_listing,
)


def _generate(seed: int, size: int, *, planting: bool) -> Writer:
    writer = Writer(random.Random(seed), planting)
    while writer.size < size:
        # Most tool output is ordinary (test runs, builds, listings); one section in four
        # is of the kinds that hold credentials, or, clean, their stand-ins.
        sections = BULK if writer.rng.random() < 0.75 else SECTIONS
        writer.rng.choice(sections)(writer)
        writer.write("\n")
    return writer


def planted(seed: int = 26, size: int = 2_300_000) -> tuple[str, list[Plant]]:
    """Tool output of about `size` characters with credentials planted; their spans."""
    writer = _generate(seed, size, planting=True)
    return "".join(writer.parts), writer.plants


def clean(seed: int = 27, size: int = 2_100_000) -> str:
    """Tool output of about `size` characters without any credential."""
    return "".join(_generate(seed, size, planting=False).parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clean", action="store_true", help="the corpus without credentials")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--size", type=int, default=None)
    options = parser.parse_args()
    if options.clean:
        sys.stdout.write(clean(options.seed or 27, options.size or 2_100_000))
    else:
        sys.stdout.write(planted(options.seed or 26, options.size or 2_300_000)[0])


if __name__ == "__main__":
    main()
