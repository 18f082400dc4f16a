"""The words that name an environment, and where they count: in a name, a host, a path, a
comment. One vocabulary for every inference source, matched on whole words only, so `dev`
inside `devices` or `prod` inside `products` never counts.
"""

from __future__ import annotations

import re
from functools import lru_cache

from scanner.model import Environment

P, S, T, L = Environment.PRODUCTION, Environment.STAGING, Environment.TEST, Environment.LOCAL
ENV_WORDS: dict[str, Environment] = {
    "prod": P, "prd": P, "production": P, "live": P, "prodn": P,
    "staging": S, "stage": S, "stg": S, "stag": S, "preprod": S, "uat": S, "qa": S,
    "nonprod": S, "preview": S,
    "test": T, "tests": T, "testing": T, "sandbox": T, "e2e": T,
    "dev": L, "devel": L, "development": L, "local": L, "localhost": L, "localdev": L,
}
# Two words that mean one thing: "pre-prod" is staging, "non-prod" is not production.
_PAIRS = {("pre", "prod"): S, ("pre", "production"): S, ("non", "prod"): S,
          ("non", "production"): S}
_CHUNK = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def words(text: str) -> list[str]:
    """Lower-case words: split on punctuation, camelCase and letter/digit boundaries
    ("stripeProdKey" -> stripe, prod, key; "prod1" -> prod, 1; "e2e" stays whole)."""
    out: list[str] = []
    for chunk in _CHUNK.findall(text):
        low = chunk.lower()
        if low in ENV_WORDS:
            out.append(low)
        else:
            out.extend(w.lower() for w in _CAMEL.findall(chunk))
    return out


def env_in_words(ws: list[str], *, last: bool = True) -> tuple[Environment, str] | None:
    """The environment named in a word list and the word(s) that named it. The last one
    wins by default: the innermost key of a path or the file name of a path says most."""
    found: list[tuple[Environment, str]] = []
    skip = False
    for i, word in enumerate(ws):
        if skip:
            skip = False
            continue
        pair = _PAIRS.get((word, ws[i + 1])) if i + 1 < len(ws) else None
        if pair is not None:
            found.append((pair, f"{word}-{ws[i + 1]}"))
            skip = True
        elif word in ENV_WORDS:
            found.append((ENV_WORDS[word], word))
    if not found:
        return None
    return found[-1] if last else found[0]


def env_in(text: str, *, last: bool = True) -> tuple[Environment, str] | None:
    return env_in_words(words(text), last=last)


# Hosts: the registrable domain (acme.io) names the company, not an environment; the labels
# before it do (api.staging.acme.io, acme-prod.cloud.databricks.com).
LOCAL_HOST = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|::1|\[::1\]|"
                        r"host\.docker\.internal|[a-z0-9-]+\.localhost|kubernetes\.docker\."
                        r"internal|minikube|docker-desktop|kind-[a-z0-9-]+)$", re.I)
_SANDBOX_DOMAINS = ("squareupsandbox.com", "sandbox.paypal.com", "oktapreview.com",
                    "test.pypi.org", "stripe-sandbox.com", "sandbox.braintreegateway.com")


def host_env(host: str) -> tuple[Environment, str] | None:
    host = host.lower().strip(".")
    if LOCAL_HOST.match(host):
        return L, host
    if host.endswith(_SANDBOX_DOMAINS):
        return T, host
    labels = host.split(".")
    if len(labels) < 2:
        return None  # a bare name ("db", "redis") is a service name, not a host to read
    inner = labels[:-2] or labels[:1]
    return env_in(" ".join(inner))


# Paths (a weak hint). A directory counts when it is the environment word alone
# ("k8s/prod/"), or the word with configuration words around it ("prod-us-east-1",
# "deploy-staging.yml", "values-prod.yaml"); a file name also when one dot-separated part is
# the word (".env.production", "docker-compose.dev.yml"). A hidden directory's own name is
# not a hint (~/.local/share is no "local"), and neither is any directory of a path under
# the home directory, whose layout is the tools' own.
_CONFIG_WORDS = frozenset(re.split(r"\s+", """
env envs environment environments config configs configuration conf settings setting secrets
secret values vars variables credentials creds keys key overrides override overlay overlays
deploy deploys deployment deployments compose docker application app apps appsettings
terraform tfvars k8s kube kubernetes cluster clusters db database server servers site infra
stack stacks account accounts profile profiles properties props helm chart charts manifest
manifests workflow workflows pipeline pipelines release us eu ap sa ca east west central north
south northeast southeast region zone cfg ini yaml yml json toml xml tf hcl sh ps1 py js ts
""".strip()))


@lru_cache(maxsize=4096)
def path_env(path: str) -> tuple[Environment, str] | None:
    """The environment a file's path names, innermost segment first. (Cached: a file's
    findings, and its versions in history, share a path.)"""
    home = path.startswith("~/")
    segments = path.removeprefix("~/").split("/")
    for index in range(len(segments) - 1, -1, -1):
        if home and index < len(segments) - 1:
            break
        found = _segment_env(segments[index])
        if found is not None:
            return found
    return None


def _segment_env(segment: str) -> tuple[Environment, str] | None:
    parts = segment.split(".")
    if segment.startswith("."):
        parts = parts[2:]  # a hidden name's first word is what it is: .local, .env, .envrc
    for part in reversed(parts):
        ws = words(part)
        found = env_in_words(ws)
        if found is None:
            continue
        env_word = found[1].split("-")
        rest = [w for w in ws if w not in env_word and not w.isdigit()]
        if all(w in _CONFIG_WORDS for w in rest):
            return found
    return None
