"""How sure credscope is that a finding is a live credential: high, medium or low, and why.

- high: a provider format whose checksum is valid, or whose structure a decoder read (JWT
  claims, macaroon caveats, a key id's account, a live/test prefix), or key material whose
  structure detect-secrets parsed (a JWT, a private key block, a JSON Web Key);
- medium: a provider format matched by shape alone, or a keyed assignment whose value looks
  generated (what the generic detectors judge, scanner/matching/generic/judge.py);
- low: a weak shape (a short or word-made value, an id-named UUID), or a value in a kind of
  file where such strings are rarely credentials (minified bundles, document metadata).

Where a value cannot be a credential at all, whatever its shape (a UI translation under a
password label), `context_rejection` says why; the finding is then suppressed with it.
"""

from __future__ import annotations

import re

from scanner.classify.decoders import DecodeResult
from scanner.matching.generic.ledger import Assessment
from scanner.matching.generic.values import is_wordlike, looks_random
from scanner.matching.schema import Rule
from scanner.model import Confidence

# Key material detect-secrets or a credscope detector only reports once it parsed it.
_STRUCTURED = frozenset({"jwt", "private-key", "jwk"})
# UI string catalogues: a value under a "Password" label there is the label in a language.
_TRANSLATIONS = re.compile(
    r"(^|/)(locales?|i18n|l10n|lang|langs|languages|translations?|messages|strings|lproj"
    r"|[^/]+\.lproj|values-[a-z]{2}(-r?[A-Z]{2})?)/"
    r"|\.(po|pot|xliff|xlf|strings|stringsdict|resx|arb|ftl)$"
    r"|(^|/|[._-])[a-z]{2}([-_][A-Za-z]{2,4})?\.(json|ya?ml|properties|toml|ini|lang)$"
    r"|(^|/)messages[^/]*\.properties$")
# Generated or binary-ish text: minified bundles, source maps, design and document formats.
_MINIFIED = re.compile(r"\.min\.(js|css|mjs)$|\.js\.map$|\.map$|(^|/)(bundle|vendor)[^/]*\.js$"
                       r"|\.chunk\.js$", re.IGNORECASE)
_DOCUMENT = re.compile(r"\.(ai|eps|pdf|psd|indd|sketch|svg|drawio)$", re.IGNORECASE)
_MINIFIED_LINE = 1000  # characters: a line this long in code is generated, not written
# Dependency lockfiles: names, versions, resolved URLs and integrity hashes, never a secret
# a generic detector should report (a provider-format token there is still found).
_LOCKFILE = re.compile(r"(^|/)(yarn\.lock|package-lock\.json|npm-shrinkwrap\.json"
                       r"|pnpm-lock\.yaml|bun\.lock|Gemfile\.lock|poetry\.lock|Pipfile\.lock"
                       r"|uv\.lock|Cargo\.lock|go\.sum|composer\.lock|packages\.lock\.json"
                       r"|gradle\.lockfile|mix\.lock|pubspec\.lock|Podfile\.lock"
                       r"|Package\.resolved|flake\.lock)$")
# A generated-looking value: ASCII letters, digits and token punctuation, no escapes.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9+/=_.:~!@#$%^&*-]+$")
_FINGERPRINT_WORDS = re.compile(r"(?<![a-z])(?:gpg|pgp|gnupg|fingerprint|thumbprint|key ?id)"
                                r"(?![a-z])", re.IGNORECASE)
_ONE_WORD = re.compile(r"^[A-Z]?[a-z]+$")
_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")  # $GpgKey: the words Gpg Key
_HEX = re.compile(r"^(?:0x)?[0-9A-Fa-f]{8,40}$")
_ELIDED_BODY = re.compile(r"^\s*(?:\.\.\.|…|<[^<>]*>|\[[^][]*\])\s*$", re.MULTILINE)


def confidence(rule: Rule, decoder: str | None, decoded: DecodeResult,
               generic: Assessment | None, path: str, line: str,
               secret: str = "") -> tuple[Confidence, str]:
    """(confidence, the evidence sentence that decided it)."""
    level, why = _base(rule, decoder, decoded, generic)
    if level is Confidence.MEDIUM and generic is None and len(secret) <= 32 and (
            is_wordlike(secret)):
        return Confidence.LOW, "the value is made of words"  # `password encoder` in prose
    if level is Confidence.LOW or "generic" not in rule.tags:
        return level, why
    if _MINIFIED.search(path) or len(line) > _MINIFIED_LINE:
        return Confidence.LOW, "a generic match in minified or generated code"
    if _DOCUMENT.search(path):
        return Confidence.LOW, "a generic match in a design or document file's metadata"
    return level, why


def _base(rule: Rule, decoder: str | None, decoded: DecodeResult,
          generic: Assessment | None) -> tuple[Confidence, str]:
    if decoded.valid is True:
        return Confidence.HIGH, "its checksum is valid"
    if generic is not None and generic.confidence is not None:
        # (a decoder that reads the URL around a generic password says where it is used,
        # not whether the password is one)
        return generic.confidence, generic.reason
    if decoder and (decoded.details or decoded.tier or decoded.environment or decoded.scope):
        return Confidence.HIGH, f"decoder {decoder} read its structure"
    if _STRUCTURED & set(rule.tags):
        return Confidence.HIGH, "its structure was parsed (header, payload or key body)"
    if "generic" in rule.tags:
        return Confidence.MEDIUM, "a generic detector's match"
    return Confidence.MEDIUM, "a provider's format, matched by its shape"


# The public services themselves: a credential in a URL to one of these hosts works against
# the live service, whatever file it sits in (there is no test instance of github.com).
_PUBLIC_SERVICE = re.compile(
    r"(^|\.)(github\.com|gitlab\.com|bitbucket\.org|dev\.azure\.com|visualstudio\.com"
    r"|codeberg\.org|gitea\.com|sourceforge\.net|registry\.npmjs\.org|npmjs\.com|pypi\.org"
    r"|rubygems\.org|nuget\.org|docker\.io|ghcr\.io|quay\.io|atlassian\.net|slack\.com"
    r"|smtp\.gmail\.com|smtp\.office365\.com|sendgrid\.net|mailgun\.org|amazonaws\.com"
    r"|googleapis\.com|azure\.com|windows\.net|herokuapp\.com|heroku\.com)$", re.IGNORECASE)


def public_service(host: str) -> str:
    """The host when it is a public service's own (github.com, gitlab.com...), else ""."""
    return host if host and _PUBLIC_SERVICE.search(host) else ""


def context_rejection(rule: Rule, path: str, secret: str, line: str = "",
                      window: str = "") -> str | None:
    """Why a generic finding is no credential given the file and lines around it, or None."""
    if "generic" not in rule.tags:
        return None
    if _TRANSLATIONS.search(path) and not (_TOKEN_SHAPE.match(secret) and
                                           looks_random(secret, 12) and
                                           not _ONE_WORD.match(secret)):
        return "not a secret: a UI string in a translation file"
    if _LOCKFILE.search(path):
        return "not a secret: dependency metadata in a lockfile"
    if _HEX.match(secret) and _FINGERPRINT_WORDS.search(_HUMP.sub(" ", line)):
        return "not a secret: a public key's fingerprint or id"
    if "private-key" in rule.tags and _ELIDED_BODY.search(window):
        return "placeholder: a private key block whose body is elided"
    return None
