"""The default classifier: rule data + decoders + context + placement + policy -> verdict."""

from __future__ import annotations

import re

from scanner.classify.placement import location_class
from scanner.classify.policy import Facts, Policy
from scanner.matching.schema import Rule
from scanner.model import (
    Blob,
    Capability,
    Classification,
    Environment,
    LocationClass,
    Match,
    Tier,
)

_CAPABILITY_TEXT = {
    Capability.DELETE_DATA: "delete data",
    Capability.DELETE_BACKUPS: "delete backups",
    Capability.MANAGE_CREDENTIALS: "manage credentials",
    Capability.DEPLOY: "deploy",
    Capability.WRITE_DATA: "write data",
    Capability.READ_DATA: "read data",
    Capability.SPEND: "spend money",
    Capability.SEND: "send messages",
    Capability.IMPERSONATE: "act as a user",
    Capability.PUBLISH: "publish packages",
}
_PROD_PATH = re.compile(r"(^|[/._-])(prod|production|live)([/._-]|$)", re.IGNORECASE)
_STAGING_PATH = re.compile(r"(^|[/._-])(staging|stage|stg|preprod|uat|qa)([/._-]|$)",
                           re.IGNORECASE)
_TEST_PATH = re.compile(r"(^|[/._-])(test|tests|testing|sandbox|dev|development|local)([/._-]|$)",
                        re.IGNORECASE)


def path_environment(path: str) -> Environment:
    if _PROD_PATH.search(path):
        return Environment.PRODUCTION
    if _STAGING_PATH.search(path):
        return Environment.STAGING
    if _TEST_PATH.search(path):
        return Environment.TEST
    return Environment.UNKNOWN


class DefaultClassifier:
    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()

    def classify(self, rule: Rule, match: Match, blob: Blob) -> Classification:
        location = blob.location_hint or location_class(blob.path)
        environment = rule.environment
        evidence = [f"rule {rule.id}: static tier {rule.tier}"]
        if environment is Environment.UNKNOWN:
            environment = path_environment(blob.path)
            if environment is not Environment.UNKNOWN:
                evidence.append(f"environment {environment} from the path")
        if environment is Environment.UNKNOWN and location in (
            LocationClass.TESTS, LocationClass.FIXTURES
        ):
            environment = Environment.TEST
        effective = rule.worst_case if rule.tier is Tier.UNKNOWN else rule.tier
        facts = Facts(
            tier=effective,
            capabilities=frozenset(rule.capabilities),
            environment=environment,
            location=location,
            flags=blob.flags,
            staging_path=bool(_STAGING_PATH.search(blob.path)),
        )
        judgement = self.policy.judge(facts)
        reason = describe(rule, rule.tier, effective, location, blob, judgement.why)
        return Classification(
            tier=rule.tier,
            worst_case=rule.worst_case,
            scope=rule.scope,
            capabilities=rule.capabilities,
            environment=environment,
            location=location,
            flags=blob.flags,
            verdict=judgement.verdict,
            severity=judgement.severity,
            reason=reason,
            remediation=rule.remediation,
            evidence=(*evidence, f"policy rule {judgement.policy_rule}"),
        )


def describe(rule: Rule, tier: Tier, effective: Tier, location: LocationClass, blob: Blob,
             why: str) -> str:
    """One human sentence: what it is, how much it can do, where it sits, why that matters."""
    tier_text = str(tier) if tier is not Tier.UNKNOWN else f"UNKNOWN (worst case {effective})"
    parts = [tier_text]
    if rule.scope.value != "unknown":
        parts.append(f"{rule.scope}-wide")
    if rule.capabilities:
        parts.append("can " + ", ".join(_CAPABILITY_TEXT[c] for c in rule.capabilities))
    where = blob.display_path or blob.path
    return f"{rule.title}: {', '.join(parts)}; it sits in {where} ({location}): {why}"
