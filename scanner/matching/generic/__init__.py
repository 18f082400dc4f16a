"""Generic credentials: passwords, keyed assignments, URL and header credentials, tagged
UUIDs, JWK members, and detect-secrets' plugins, as credscope rule plugins
(rules/generic.toml, docs/generic.md).

Nothing registers on import: `register_generic_plugins()` puts the plugin functions into the
engine's PLUGINS registry explicitly and returns the rules of any user detect-secrets plugin
files, which the pipeline appends to the loaded rules.
"""

from __future__ import annotations

from pathlib import Path

from scanner.matching.engine import ANCHORS, PLUGINS, AnchorsFn, PluginFn
from scanner.matching.generic import assignments, shapes
from scanner.matching.schema import Rule

# Code detectors by plugin name (a rule's kind is "plugin:<name>").
GENERIC_PLUGINS: dict[str, PluginFn] = {
    "password-assignment": assignments.password_plugin,
    "secret-assignment": assignments.secret_plugin,
    "url-credentials": shapes.url_credentials,
    "auth-header": shapes.auth_header,
    "command-password": shapes.command_password,
    "tagged-uuid": shapes.tagged_uuid,
    "jwk-private": shapes.jwk_private,
}
# Where each detector starts looking (scanner/matching/anchors.py).
GENERIC_ANCHORS: dict[str, AnchorsFn] = {
    "password-assignment": assignments.assignment_anchors,
    "secret-assignment": assignments.assignment_anchors,
    "url-credentials": shapes.url_anchors,
    "auth-header": shapes.header_anchors,
    "command-password": shapes.command_anchors,
    "tagged-uuid": shapes.uuid_anchors,
    "jwk-private": shapes.literal_anchors,
}


def register_generic_plugins(custom_plugin_files: tuple[Path, ...] = ()) -> tuple[Rule, ...]:
    """Register every generic plugin (ours and detect-secrets') in engine.PLUGINS; load the
    user's detect-secrets plugin files and return their rules (each registered under its own
    plugin name)."""
    # The bridge imports this package's helpers, so it is imported here, not at the top.
    from scanner.matching import detect_secrets_bridge as bridge

    PLUGINS.update(GENERIC_PLUGINS)
    PLUGINS.update({name: bridge.builtin_plugin(name) for name in bridge.BUILTIN})
    ANCHORS.update(GENERIC_ANCHORS)
    ANCHORS.update(dict.fromkeys(bridge.BUILTIN, shapes.literal_anchors))
    extra = bridge.custom_rules(custom_plugin_files) if custom_plugin_files else []
    for rule, plugin in extra:
        PLUGINS[rule.kind.removeprefix("plugin:")] = plugin
    return tuple(rule for rule, _ in extra)
