"""Which environment a credential is for, strongest evidence first: the token itself (decoder),
the rule, the name it is assigned to, a host beside it, the file's path, its location class."""

from __future__ import annotations

import re

from scanner.classify.decoders import Surroundings
from scanner.model import Environment, LocationClass

_PROD_PATH = re.compile(r"(^|[/._-])(prod|prd|production|live)([/._-]|$)", re.I)
_STAGING_PATH = re.compile(r"(^|[/._-])(staging|stage|stg|preprod|uat|qa)([/._-]|$)", re.I)
_TEST_PATH = re.compile(r"(^|[/._-])(test|tests|testing|sandbox|e2e)([/._-]|$)", re.I)
_LOCAL_PATH = re.compile(r"(^|[/._-])(dev|development|local)([/._-]|$)", re.I)
_KEY_WORDS: tuple[tuple[re.Pattern[str], Environment], ...] = (
    (re.compile(r"(^|_|-)(PROD|PRD|PRODUCTION|LIVE)(_|-|$)", re.I), Environment.PRODUCTION),
    (re.compile(r"(^|_|-)(STAGING|STAGE|STG|PREPROD|UAT)(_|-|$)", re.I), Environment.STAGING),
    (re.compile(r"(^|_|-)(TEST|TESTING|SANDBOX)(_|-|$)", re.I), Environment.TEST),
    (re.compile(r"(^|_|-)(DEV|LOCAL|DEVELOPMENT)(_|-|$)", re.I), Environment.LOCAL),
)
_HOST = re.compile(r"[a-z][a-z0-9+.-]*://(?:[^@/\s\"']*@)?([A-Za-z0-9.-]+)", re.I)
_LOCAL_HOST = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|host\.docker\.internal)$",
                         re.I)


def path_environment(path: str) -> Environment:
    for rx, env in ((_PROD_PATH, Environment.PRODUCTION), (_STAGING_PATH, Environment.STAGING),
                    (_TEST_PATH, Environment.TEST), (_LOCAL_PATH, Environment.LOCAL)):
        if rx.search(path):
            return env
    return Environment.UNKNOWN


def is_staging_path(path: str) -> bool:
    return bool(_STAGING_PATH.search(path))


def key_environment(key: str) -> Environment:
    for rx, env in _KEY_WORDS:
        if rx.search(key):
            return env
    return Environment.UNKNOWN


def host_environment(around: Surroundings) -> tuple[Environment, str]:
    """The environment named by the first host on the match's line, else in its window."""
    for text in (around.line, around.window):
        for m in _HOST.finditer(text):
            host = m.group(1).lower()
            if _LOCAL_HOST.match(host):
                return Environment.LOCAL, host
            labels = host.split(".")
            for label in labels[:-2] or labels:  # not the registrable domain itself
                env = key_environment(label)
                if env is not Environment.UNKNOWN:
                    return env, host
    return Environment.UNKNOWN, ""


_LABEL_PART = re.compile(r"[A-Za-z0-9_-]+")


def label_environment(label: str | None) -> Environment:
    """A structured file's label names the profile, server or context holding the value:
    "[prod] aws_secret_access_key", "mcpServers.github-staging.env.TOKEN"."""
    for part in _LABEL_PART.findall(label or ""):
        env = key_environment(part)
        if env is not Environment.UNKNOWN:
            return env
    return Environment.UNKNOWN


def resolve(decoded: Environment | None, rule_env: Environment, around: Surroundings,
            path: str, location: LocationClass, label: str | None = None,
            ) -> tuple[Environment, str]:
    """(environment, the evidence sentence that decided it)."""
    if decoded is not None and decoded is not Environment.UNKNOWN:
        return decoded, f"environment {decoded} from the token itself"
    if rule_env is not Environment.UNKNOWN:
        return rule_env, f"environment {rule_env} is fixed by the rule"
    from_key = key_environment(around.key)
    if from_key is not Environment.UNKNOWN:
        return from_key, f"environment {from_key} from the name {around.key}"
    from_label = label_environment(label)
    if from_label is not Environment.UNKNOWN:
        return from_label, f"environment {from_label} from where it is stored: {label}"
    from_host, host = host_environment(around)
    if from_host is not Environment.UNKNOWN:
        return from_host, f"environment {from_host} from the host {host} beside it"
    from_path = path_environment(path)
    if from_path is not Environment.UNKNOWN:
        return from_path, f"environment {from_path} from the path {path}"
    if location in (LocationClass.TESTS, LocationClass.FIXTURES):
        return Environment.TEST, f"environment test: it sits in {location}"
    return Environment.UNKNOWN, "nothing tells the environment"
