#!/usr/bin/env bash
# Runs the repository's pre-commit hook for real against a scratch
# repository that uses it as any user would (`repo:` and `rev:` in its
# .pre-commit-config.yaml): with a clean manifest (must pass), with a
# manifest that has findings (must fail and report them), and on a commit
# that only deletes a contract a manifest names (must fail: the hook runs
# whatever changed). pre-commit builds privlint once (`language: rust`)
# into the scratch PRE_COMMIT_HOME and reuses it for every run
# (`try-repo` would build it again each time, in a fresh store). The hook
# is taken at the checkout's HEAD commit, so commit changes to
# .pre-commit-hooks.yaml before running this.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rev="$(git -C "$repo" rev-parse HEAD)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export PRE_COMMIT_HOME="$scratch/.pre-commit-home"

python3 -m pip install --quiet --disable-pip-version-check "pre-commit>=3,<5"

mkdir "$scratch/work"
cd "$scratch/work"
git init --quiet
git config user.email ci@example.com
git config user.name ci
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $repo
    rev: $rev
    hooks:
      - id: privlint
YAML
mkdir privacy
cat > privacy/manifest.yaml <<'YAML'
version: 1
organization: {name: Example GmbH, country: DE, markets: [DE]}
processors:
  - id: hosting
    name: Example Hosting GmbH
    role: processor
    country: DE
    agreement: {type: dpa, ref: "https://example.com/dpa", signed: "2025-01-15"}
activities:
  - id: accounts
    name: Customer accounts
    purpose: Provide the service
    data_subjects: [customers]
    data_categories: [contact.email]
    legal_basis: contract
    recipients: [hosting]
    retention: P3Y
YAML
git add -A && git commit --quiet -m clean

echo "== pre-commit hook on a clean manifest set"
pre-commit run --all-files --verbose

cat > privacy/marketing.yaml <<'YAML'
version: 1
activities:
  - id: newsletter
    name: Newsletter
    purpose: Send the product newsletter
    data_subjects: [newsletter-subscribers]
    data_categories: [contact.email]
    recipients: [mailer]
YAML
git add -A && git commit --quiet -m findings

echo "== pre-commit hook on a manifest set with findings"
set +e
output="$(pre-commit run --all-files --verbose 2>&1)"
status=$?
set -e
echo "$output"
if [ "$status" -eq 0 ]; then
  echo "the hook passed a manifest set with findings" >&2
  exit 1
fi
for expected in "unknown recipient \`mailer\`" "GDPR101"; do
  if ! grep -q "$expected" <<<"$output"; then
    echo "the hook's output lacks: $expected" >&2
    exit 1
  fi
done

# A commit that changes no YAML file but deletes a contract a manifest
# names must still be checked: the hook always runs.
git rm --quiet privacy/marketing.yaml
mkdir -p contracts && echo "DPA" > contracts/hosting-dpa.md
sed -i 's|ref: "https://example.com/dpa"|ref: contracts/hosting-dpa.md|' privacy/manifest.yaml
git add -A && git commit --quiet -m evidence
pre-commit run --all-files
git rm --quiet contracts/hosting-dpa.md
echo "== pre-commit hook on a commit that only deletes a contract"
set +e
output="$(pre-commit run --verbose 2>&1)"
status=$?
set -e
echo "$output"
if [ "$status" -eq 0 ] || ! grep -q "GDPR160" <<<"$output"; then
  echo "the hook did not check a commit that deletes a contract" >&2
  exit 1
fi
echo "pre-commit hook: 3 passed, 0 failed"
