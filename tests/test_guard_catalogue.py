"""The command catalogue (rules/destructive/): valid data with sources, and what it matches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.errors import RuleError
from scanner.guard import clients
from scanner.guard.catalogue import Catalogue, load_catalogue
from scanner.guard.index import catalogue_dir
from scanner.guard.shell import parse

ENTRIES = load_catalogue(catalogue_dir())
CATALOGUE = Catalogue(ENTRIES)


def ops(line: str) -> set[str]:
    found: set[str] = set()
    for cmd in parse(line).commands:
        found |= {op.id for op in CATALOGUE.command(cmd)}
        family = clients.family(cmd)
        if family:
            found |= {op.id for op in CATALOGUE.text(family, clients.payload(cmd, lambda _: ""))}
        req = clients.request(cmd)
        if req:
            found |= {op.id for op in CATALOGUE.request(req)}
    return found


def test_every_entry_cites_sources_and_ids_are_unique() -> None:
    assert len(ENTRIES) >= 60
    assert len({e["id"] for e in ENTRIES}) == len(ENTRIES)
    assert all(e["sources"] and all(s.startswith("https://") for s in e["sources"])
               for e in ENTRIES)
    providers = {e["provider"] for e in ENTRIES}
    assert {"Railway", "AWS", "Google Cloud", "Azure", "GitHub", "Kubernetes", "Terraform",
            "SQL", "Heroku", "Cloudflare", "Supabase"} <= providers


@pytest.mark.parametrize(("line", "expected"), [
    ("terraform destroy -auto-approve", "terraform.destroy"),
    ("tofu apply -destroy", "terraform.apply-destroy"),
    ("aws s3 rb s3://backups --force", "aws.s3-remove-bucket"),
    ("aws s3 rm s3://b/prefix --recursive", "aws.s3-remove-recursive"),
    ("aws rds delete-db-instance --db-instance-identifier prod", "aws.delete-data-store"),
    ("kubectl delete namespace production", "kubernetes.delete-namespace"),
    ("kubectl --context prod delete ns/payments", "kubernetes.delete-namespace"),
    ("kubectl delete pvc data-postgres-0", "kubernetes.delete-storage"),
    ("gh repo delete acme/api --yes", "github.repo-delete"),
    ("gcloud sql instances delete prod-db", "gcp.delete"),
    ("az group delete -n prod-rg --yes", "azure.delete"),
    ("railway down", "railway.cli-down"),
    ("railway volume delete vol_1", "railway.cli-delete-resource"),
    ("heroku pg:reset DATABASE_URL --confirm app", "heroku.destroy"),
    ("fly apps destroy app -y", "fly.destroy"),
    ("npx wrangler d1 delete prod-db", "cloudflare.wrangler-delete"),
    ("supabase db reset --linked", "supabase.db-reset-remote"),
    ("python manage.py flush --no-input", "django.flush"),
    ("bundle exec rails db:drop", "rails.db-drop"),
    ("npx prisma migrate reset --force", "prisma.reset"),
    ("dropdb prod", "postgres.dropdb"),
    ("rm -rf ~", "shell.remove-everything"),
    ("psql \"$DATABASE_URL\" -c 'DROP TABLE users'", "sql.drop"),
    ("mysql -e 'TRUNCATE TABLE orders' shop", "sql.truncate"),
    ("psql app <<'SQL'\nDELETE FROM sessions;\nSQL", "sql.delete-all"),
    ("mongosh $URI --eval 'db.dropDatabase()'", "mongodb.drop"),
    ("redis-cli -h cache FLUSHALL", "redis.flush"),
    ("curl -X DELETE https://api.github.com/repos/acme/api", "github.api-delete-repository"),
    ("curl -XDELETE https://api.cloudflare.com/client/v4/zones/abc", "cloudflare.api-delete"),
    ("http DELETE api.example.com/v1/users/1", "http.delete"),
    ("gh api -X DELETE repos/acme/api", "github.api-delete-repository"),
    ("curl https://backboard.railway.com/graphql/v2 -d '{\"query\":\"mutation { "
     "volumeDelete(volumeId: \\\"v\\\") }\"}'", "railway.volume-delete"),
    ("gh auth token", "github.auth-token"),
    ("aws configure get aws_secret_access_key", "aws.configure-get-secret"),
    ("kubectl get secret db -o yaml", "kubernetes.secret-values"),
    ("gcloud auth print-access-token", "gcp.print-access-token"),
])
def test_recognised(line: str, expected: str) -> None:
    assert expected in ops(line)


@pytest.mark.parametrize("line", [
    "terraform plan", "terraform apply", "kubectl get pods -n prod", "kubectl delete pod x-1",
    "aws s3 ls s3://b", "aws s3 rm s3://b/one-file.txt", "gh pr create --title t",
    "rm -rf node_modules dist", "rm -rf ~/proj/build", "git push origin main",
    "psql -c 'SELECT * FROM users'", "psql -c 'DELETE FROM sessions WHERE expired'",
    "curl -X DELETE http://localhost:8000/api/items/3", "curl https://api.github.com/user",
    "grep -rn 'DROP TABLE' migrations/", "echo FLUSHALL", "docker system prune -f",
    "gcloud storage buckets list", "vault kv list secret/", "railway logs",
    "helm list", "doctl compute droplet list", "stripe listen",
])
def test_ordinary_commands_are_not_catalogued(line: str) -> None:
    assert ops(line) == set()


def test_mcp_tools_and_their_arguments() -> None:
    assert [op.id for op in CATALOGUE.mcp_tool("volume_delete")] == ["mcp.delete-tool"]
    assert CATALOGUE.mcp_tool("list_issues") == []
    assert "sql.drop" in {op.id for op in CATALOGUE.text("mcp", json.dumps(
        {"sql": "DROP TABLE users"}))}


@pytest.mark.parametrize(("entry", "field"), [
    ({"id": "x.y", "provider": "X", "title": "t", "effect": "e", "match": "argv",
      "argv": ["x"]}, "sources"),
    ({"id": "x.y", "provider": "X", "title": "t", "effect": "e", "match": "argv",
      "argv": ["x"], "sources": ["http://insecure"]}, "sources"),
    ({"id": "x.y", "provider": "X", "title": "t", "effect": "e", "match": "text",
      "in": ["sql"], "pattern": "(", "sources": ["https://x"]}, "pattern"),
    ({"id": "x.y", "provider": "X", "title": "t", "effect": "e", "match": "text",
      "in": ["ftp"], "pattern": "x", "sources": ["https://x"]}, "in"),
    ({"id": "x.y", "provider": "X", "title": "t", "effect": "e", "match": "argv",
      "argv": ["x"], "sources": ["https://x"], "colour": "red"}, "colour"),
])
def test_a_bad_entry_names_file_entry_and_field(tmp_path: Path, entry: dict[str, object],
                                                field: str) -> None:
    lines = ["[[operations]]"] + [f"{k} = {json.dumps(v)}" for k, v in entry.items()]
    (tmp_path / "bad.toml").write_text("\n".join(lines) + "\n")
    with pytest.raises(RuleError) as err:
        load_catalogue(tmp_path)
    assert "bad.toml" in str(err.value) and "x.y" in str(err.value) and field in str(err.value)
