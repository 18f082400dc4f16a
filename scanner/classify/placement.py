"""Location class of a file from its path alone (the source may force one for files outside
the repository, such as ~/.aws/credentials)."""

from __future__ import annotations

import re
from functools import lru_cache

from scanner.model import LocationClass

_AGENT = re.compile(
    r"(^|/)(\.mcp\.json|mcp\.json|mcp_config\.json|AGENTS\.md|AGENT\.md|CLAUDE\.md"
    r"|CLAUDE\.local\.md|GEMINI\.md|\.cursorrules|\.windsurfrules|\.clinerules"
    r"|copilot-instructions\.md|\.aider\.conf\.ya?ml|[^/]+\.instructions\.md|[^/]+\.mdc)$"
    r"|(^|/)(\.claude|\.cursor|\.windsurf|\.continue|\.cline|\.gemini|\.roo|\.amazonq"
    r"|\.codex)/|(^|/)\.github/(prompts|instructions|agents)/",
    re.IGNORECASE,
)
_EXAMPLES = re.compile(
    r"(^|/)(examples?|samples?|templates?|demo)/|\.(example|sample|template|dist|tmpl)$"
    r"|(^|/)\.env\.(example|sample|template|dist)$",
    re.IGNORECASE,
)
_FIXTURES = re.compile(r"(^|/)(fixtures?|testdata|test_data|__fixtures__|mocks?|stubs?)/",
                       re.IGNORECASE)
_TESTS = re.compile(
    r"(^|/)(tests?|spec|specs|__tests__|e2e|integration[-_]tests?)/|(^|/)test_[^/]*$"
    r"|_test\.[a-z]+$|\.(test|spec)\.[a-z]+$|(^|/)conftest\.py$",
    re.IGNORECASE,
)
# dotenv files, direnv's .envrc (exported into every shell entering the directory) and
# Wrangler's .dev.vars (local secrets of `wrangler dev`)
_DOTENV = re.compile(r"(^|/)\.env($|\.)|\.env$|(^|/)\.envrc$|(^|/)\.dev\.vars$", re.IGNORECASE)
_CI = re.compile(
    r"(^|/)(\.github/workflows|\.circleci|\.buildkite|\.gitlab)/|(^|/)\.gitlab-ci\.ya?ml$"
    r"|(^|/)(Jenkinsfile|azure-pipelines\.ya?ml|bitbucket-pipelines\.yml|\.travis\.yml"
    r"|cloudbuild\.ya?ml|\.drone\.yml)$",
    re.IGNORECASE,
)
_INFRA = re.compile(
    r"\.(tf|tfvars|hcl)$|(^|/)(terraform|infra|infrastructure|k8s|kubernetes|helm|charts"
    r"|ansible|deploy|deployment|pulumi)/|(^|/)(Dockerfile|docker-compose[^/]*\.ya?ml"
    r"|compose\.ya?ml)$",
    re.IGNORECASE,
)
_CLIENT = re.compile(
    r"(^|/)(web|frontend|client|public|static|www|app/src|src/app|pages|components|ui|assets"
    r"|apps/web|packages/web|site)/.*\.(jsx?|tsx?|vue|svelte|astro|html?|mjs|cjs)$"
    r"|(^|/)(dist|build|out|\.next|\.nuxt|\.output|\.svelte-kit|storybook-static)/"
    r".*\.(m?js|html?|map|json)$|\.(jsx|tsx|vue|svelte|astro)$|\.min\.js$|\.js\.map$"
    r"|(^|/)(android/app/src|ios/[^/]+)/.*\.(xml|plist|java|kt|swift|m|json|strings)$",
    re.IGNORECASE,
)
_DOCS = re.compile(r"(^|/)(docs?|documentation|wiki)/|\.(md|mdx|rst|adoc|txt)$|(^|/)README",
                   re.IGNORECASE)
_CONFIG = re.compile(
    r"\.(ya?ml|json|toml|ini|cfg|conf|properties|xml|plist)$|(^|/)(config|conf|settings)/",
    re.IGNORECASE,
)

# First match wins: the more specific and more dangerous classes come first.
_ORDER: tuple[tuple[re.Pattern[str], LocationClass], ...] = (
    (_AGENT, LocationClass.AGENT_CONFIG),
    (_EXAMPLES, LocationClass.EXAMPLES),
    (_FIXTURES, LocationClass.FIXTURES),
    (_TESTS, LocationClass.TESTS),
    (_DOTENV, LocationClass.DOTENV),
    (_CI, LocationClass.CI),
    (_INFRA, LocationClass.INFRA),
    (_CLIENT, LocationClass.CLIENT_BUNDLE),
    (_DOCS, LocationClass.DOCS),
    (_CONFIG, LocationClass.CONFIG),
)


# Variables a frontend build inlines into the bundle it ships to browsers and apps.
CLIENT_PREFIXES = ("NEXT_PUBLIC_", "VITE_", "REACT_APP_", "EXPO_PUBLIC_", "NUXT_PUBLIC_",
                   "GATSBY_", "PUBLIC_", "VUE_APP_", "STORYBOOK_")


@lru_cache(maxsize=4096)
def location_class(path: str) -> LocationClass:
    """First matching class of _ORDER; SOURCE when nothing more specific applies. (Cached:
    a file's findings, and its occurrences in history, share a path.)"""
    for pattern, cls in _ORDER:
        if pattern.search(path):
            return cls
    return LocationClass.SOURCE
