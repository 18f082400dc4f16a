"""The default classifier: rule data + decoder + context + placement + policy -> verdict.

Each stage adds evidence strings, so `credscope explain` can say why a finding is what it is.
"""

from __future__ import annotations

from scanner.classify import environment, reason
from scanner.classify.context import surroundings
from scanner.classify.decoders import (
    DETAIL_INERT,
    DETAIL_INVALID,
    DETAIL_NOT_A_SECRET,
    UNKNOWN,
    DecodeResult,
    Surroundings,
    decoder_for,
    run_decoder,
)
from scanner.classify.placement import CLIENT_PREFIXES, location_class
from scanner.classify.policy import Facts, Policy
from scanner.matching.schema import Rule
from scanner.model import Blob, Classification, LocationClass, Match, Tier


class DefaultClassifier:
    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()

    def classify(self, rule: Rule, match: Match, blob: Blob) -> Classification:
        around = surroundings(blob, match)
        decoder = decoder_for(rule.decoder, rule.tags)
        decoded = run_decoder(decoder, match.secret, around) if decoder else UNKNOWN
        location, where_why = _location(blob, around)
        evidence = [f"rule {rule.id}: static tier {rule.tier}"
                    + (f" (worst case {rule.worst_case})" if rule.tier is Tier.UNKNOWN else "")]
        if decoder:
            evidence += [f"decoder {decoder}: {e}" for e in decoded.evidence]
        tier = decoded.tier or rule.tier
        worst = rule.worst_case if tier is Tier.UNKNOWN else tier
        scope = decoded.scope or rule.scope
        caps = decoded.capabilities if decoded.capabilities is not None else rule.capabilities
        decision = environment.resolve(decoded.environment, rule.environment, around,
                                       blob.display_path or blob.path, location, tier, scope,
                                       worst)
        env = decision.environment
        evidence += [e for e in (where_why, *decision.evidence) if e]
        inert = _inert(decoded)
        facts = Facts(tier=worst, capabilities=frozenset(caps), environment=env,
                      location=location, flags=blob.flags,
                      staging_path=environment.is_staging_path(blob.path), inert=inert)
        judgement = self.policy.judge(facts)
        evidence.append(f"policy rule {judgement.policy_rule}: {judgement.verdict}, "
                        f"{judgement.severity}")
        sentence = reason.describe(rule.title, tier, worst, scope, caps, env,
                                   blob.display_path or blob.path, location, blob.flags,
                                   judgement.why)
        return Classification(
            tier=tier, worst_case=worst, scope=scope, capabilities=caps, environment=env,
            location=location, flags=blob.flags, verdict=judgement.verdict,
            severity=judgement.severity, reason=sentence,
            remediation=reason.remediation(rule, tier), evidence=tuple(evidence),
            expired=decoded.expired,
            details=(*_details(decoder, decoded, inert, around), *decision.details,
                     ("policy-rule", judgement.policy_rule)),
        )


def _location(blob: Blob, around: Surroundings) -> tuple[LocationClass, str]:
    if blob.location_hint is not None:
        return blob.location_hint, f"location {blob.location_hint} set by the source"
    found = location_class(blob.path)
    if found is not LocationClass.CLIENT_BUNDLE and around.key.upper().startswith(
            CLIENT_PREFIXES):
        return LocationClass.CLIENT_BUNDLE, (f"location client-bundle: {around.key} is inlined "
                                             "into the bundle a frontend build ships")
    return found, f"location {found} from the path {blob.path}"


def _inert(decoded: DecodeResult) -> str:
    if decoded.expired:
        return "it has expired"
    return decoded.inert or ""


def _details(decoder: str | None, decoded: DecodeResult, inert: str,
             around: Surroundings) -> tuple[tuple[str, str], ...]:
    out = list(decoded.details)
    if around.key:
        out.append(("assigned-to", around.key))
    if decoder:
        out.append(("decoder", decoder))
    if decoded.valid is False:
        why = next((e for e in decoded.evidence), "the decoder rejects the value")
        out.append((DETAIL_INVALID, why))
    if decoded.not_a_secret:
        out.append((DETAIL_NOT_A_SECRET, decoded.not_a_secret))
    if inert:
        out.append((DETAIL_INERT, inert))
    return tuple(out)
