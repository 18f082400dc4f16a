"""The default classifier: rule data + decoder + context + placement + policy -> verdict.

Each stage adds evidence strings, so `credscope explain` can say why a finding is what it is.
"""

from __future__ import annotations

from scanner.classify import environment, reason
from scanner.classify.confidence import confidence, context_rejection, public_service
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
from scanner.matching.generic import ledger
from scanner.matching.schema import Rule
from scanner.model import (
    Blob,
    Classification,
    Confidence,
    Environment,
    LocationClass,
    Match,
    Severity,
    Tier,
    Verdict,
)

# Keys of Classification.details the placeholder filter reads: a candidate a generic
# detector (or the file around it) rejected, and the suppression kind it asks for.
DETAIL_REJECTED = "rejected"
DETAIL_REJECTED_KIND = "rejected-kind"


class DefaultClassifier:
    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()

    def classify(self, rule: Rule, match: Match, blob: Blob) -> Classification:
        generic = ledger.assessment(blob.data, rule.id, match.start, match.end)
        if generic is not None and not generic.accepted:
            return _rejected(rule, blob, generic, match.secret)
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
        level, level_why = confidence(rule, decoder, decoded, generic, blob.path, around.line,
                                      match.secret)
        evidence.append(f"confidence {level}: {level_why}")
        facts = Facts(tier=tier, capabilities=frozenset(caps), environment=env,
                      location=location, flags=blob.flags,
                      staging_path=environment.is_staging_path(blob.path), inert=inert,
                      confidence=level, worst_case=worst,
                      env_decoded=decoded.environment not in (None, Environment.UNKNOWN),
                      public_host=public_service(dict(decoded.details).get("host", "")))
        judgement = self.policy.judge(facts, level_why)
        evidence.append(f"policy rule {judgement.policy_rule}: {judgement.verdict}, "
                        f"{judgement.severity}")
        rejection = _rejection(rule, blob.path, match.secret, around)
        sentence = reason.describe(rule.title, tier, worst, scope, caps, env,
                                   blob.display_path or blob.path, location, blob.flags,
                                   judgement.why)
        return Classification(
            tier=tier, worst_case=worst, scope=scope, capabilities=caps, environment=env,
            location=location, flags=blob.flags, verdict=judgement.verdict,
            severity=judgement.severity, reason=sentence,
            remediation=reason.remediation(rule, tier), evidence=tuple(evidence),
            expired=decoded.expired,
            details=(*_details(decoder, decoded, inert, around), *decision.details, *rejection,
                     ("policy-rule", judgement.policy_rule)),
            confidence=level,
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


def _rejected(rule: Rule, blob: Blob, generic: ledger.Assessment, secret: str
              ) -> Classification:
    """What a generic detector rejected is no credential: it is suppressed with the
    detector's reason, so the classification only says where and why (none of the context,
    decoder and environment work a candidate secret gets: rejected candidates outnumber
    findings several times on real code)."""
    location = blob.location_hint or location_class(blob.path)
    why, kind = generic.reason, generic.kind
    by_file = context_rejection(rule, blob.path, secret)  # the more telling reason
    if by_file is not None:
        why, kind = by_file, "not-a-secret"
    return Classification(
        tier=Tier.UNKNOWN, worst_case=rule.worst_case, scope=rule.scope, capabilities=(),
        environment=Environment.UNKNOWN, location=location, flags=blob.flags,
        verdict=Verdict.OK, severity=Severity.NOTE, reason=f"{rule.title}: {why}",
        remediation="", evidence=(f"rule {rule.id}: {why}",),
        details=((DETAIL_REJECTED, why), (DETAIL_REJECTED_KIND, kind)),
        confidence=Confidence.LOW)


def _rejection(rule: Rule, path: str, secret: str, around: Surroundings
               ) -> tuple[tuple[str, str], ...]:
    """Why an accepted generic candidate is still no secret, given the file and lines around
    it, as details the placeholder filter turns into a suppression with that reason."""
    why = context_rejection(rule, path, secret, around.line, around.window)
    if why is not None:
        kind = "placeholder" if why.startswith("placeholder") else "not-a-secret"
        return ((DETAIL_REJECTED, why), (DETAIL_REJECTED_KIND, kind))
    return ()


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
