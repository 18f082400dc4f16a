"""The rule catalogue as plain data, for `credscope rules list --format json` and reports."""

from __future__ import annotations

from typing import Any

from scanner.matching.schema import Rule


def rule_dict(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "provider": rule.provider,
        "title": rule.title,
        "description": rule.description,
        "tier": str(rule.tier),
        "worst_case": str(rule.worst_case),
        "scope": str(rule.scope),
        "capabilities": [str(c) for c in rule.capabilities],
        "environment": str(rule.environment),
        "decoder": rule.decoder,
        "remediation": rule.remediation,
        "narrower": rule.narrower,
        "references": list(rule.references),
        "keywords": list(rule.keywords),
        "context": list(rule.context),
        "kind": rule.kind,
        "tags": list(rule.tags),
        "examples": {
            "positive": sum(1 for e in rule.examples if e.positive),
            "negative": sum(1 for e in rule.examples if not e.positive),
        },
        "source_file": rule.source_file.rsplit("/", 1)[-1],
    }
