"""Offline decoders, one small pure function per token family, in one explicit registry.

Rule files name a decoder (`decoder = "jwt"`); tests/test_decoders.py checks that every name
used in rules/*.toml is registered here. `run_decoder` is the only way the classifier calls
one: an unknown name or an unexpected bug gives an UNKNOWN result, never an exception.
"""

from __future__ import annotations

from scanner.classify.decoders import (
    checksums,
    cloud,
    configs,
    jwt,
    keys,
    macaroons,
    payloads,
    prefixes,
    sessions,
    urls,
)
from scanner.classify.decoders.base import (
    DETAIL_INERT,
    DETAIL_INVALID,
    DETAIL_NOT_A_SECRET,
    UNKNOWN,
    Decoder,
    DecodeResult,
    Surroundings,
    unknown,
)

DECODERS: dict[str, Decoder] = {
    "jwt": jwt.decode_jwt,
    "github-checksum": checksums.decode_github,
    "npm-checksum": checksums.decode_npm,
    "stripe-mode": prefixes.decode_stripe,
    "env-prefix": prefixes.decode_env_prefix,
    "openai-key": prefixes.decode_openai,
    "anthropic-key": prefixes.decode_anthropic,
    "slack-token": prefixes.decode_slack,
    "pypi-macaroon": macaroons.decode_pypi,
    "fly-macaroon": macaroons.decode_fly,
    "grafana-cloud-token": payloads.decode_grafana_cloud,
    "sentry-org-token": payloads.decode_sentry_org,
    "doppler-token": payloads.decode_doppler,
    "azure-sas": cloud.decode_azure_sas,
    "azure-connection-string": cloud.decode_azure_connection_string,
    "aws-key-id": cloud.decode_aws_key_id,
    "private-key": keys.decode_private_key,
    "database-url": urls.decode_database_url,
    "railway-context": urls.decode_railway_context,
    "session-expiry": sessions.decode_session_expiry,
    "db-client": sessions.decode_db_client,
    "kubeconfig": configs.decode_kubeconfig,
    "google-credentials": configs.decode_google_credentials,
}

# Rules that name no decoder but carry one of these tags get this decoder: the generic
# URL-credentials rule (tag "url") finds database URLs whose user and host say a lot.
DECODER_BY_TAG: dict[str, str] = {"url": "database-url"}


def decoder_for(name: str | None, tags: tuple[str, ...]) -> str | None:
    """The rule's own decoder, else the one its tags imply, else None."""
    if name:
        return name
    return next((DECODER_BY_TAG[t] for t in tags if t in DECODER_BY_TAG), None)


def run_decoder(name: str, secret: str, around: Surroundings) -> DecodeResult:
    """Run the named decoder; never raises (bad input, unknown name, or a decoder bug)."""
    decoder = DECODERS.get(name)
    if decoder is None:
        return unknown(f"no decoder named {name!r}")
    try:
        return decoder(secret, around)
    except Exception as err:
        return unknown(f"decoder {name} failed on this value ({type(err).__name__})")


__all__ = [
    "DECODERS", "DECODER_BY_TAG", "DETAIL_INERT", "DETAIL_INVALID", "DETAIL_NOT_A_SECRET",
    "UNKNOWN", "DecodeResult", "Decoder", "Surroundings", "decoder_for", "run_decoder",
]
