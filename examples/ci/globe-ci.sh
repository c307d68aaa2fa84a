#!/usr/bin/env bash
# The steps of examples/ci/globe.yml, as one script a workflow calls and a test runs
# (test/ci-recipe.test.ts runs it against a throwaway PostgreSQL with `gh` replaced by a stub).
#
#   globe-ci.sh plan        plan the project, write the comment and plan.json, post or update
#                           the pull request's comment (found by its marker); exit 3 on a broken
#                           promise (--fail-on), 1 on an error (the comment then says why)
#   globe-ci.sh fetch-plan  download the plan.json artifact of the pull request's successful plan run
#   globe-ci.sh apply       apply that very plan.json (globe refuses it if anything changed since)
#
# Settings (environment):
#   GLOBE_DIR       project directory, relative to the repository root (default .)
#   GLOBE           how to run globe (default: npx --no-install globe)
#   GLOBE_FAIL_ON   promises a plan must keep (default all: unserved,dr,gap)
#   GLOBE_OUT       the saved plan (default plan.json); GLOBE_COMMENT the comment file (default plan.md)
#   GITHUB_REPOSITORY, PR_NUMBER   where the comment goes (plan)
#   HEAD_SHA        the pull request's head commit whose plan run made the artifact (fetch-plan)
#   GLOBE_ARTIFACT  the artifact's name (default globe-plan); GLOBE_WORKFLOW the workflow file (default globe.yml)
#   GLOBE_LOCK_TIMEOUT  how long to wait while another plan or apply holds the state lock (default 300s)
#   The backend's database URL comes from the variable the project's `backend postgres { url_env }` names.
set -euo pipefail

GLOBE_DIR="${GLOBE_DIR:-.}"
GLOBE_FAIL_ON="${GLOBE_FAIL_ON:-all}"
GLOBE_OUT="${GLOBE_OUT:-plan.json}"
GLOBE_COMMENT="${GLOBE_COMMENT:-plan.md}"
GLOBE_ARTIFACT="${GLOBE_ARTIFACT:-globe-plan}"
GLOBE_LOCK_TIMEOUT="${GLOBE_LOCK_TIMEOUT:-300s}"
GLOBE_WORKFLOW="${GLOBE_WORKFLOW:-globe.yml}"
read -r -a GLOBE_CMD <<<"${GLOBE:-npx --no-install globe}"

die() { echo "globe-ci: $*" >&2; exit 1; }
need() { [[ -n "${!1:-}" ]] || die "$1 is not set"; }

# A JSON string literal for a jq filter (gh's --jq takes no --arg).
json_string() { node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"; }

# The comment's first line is its marker: <!-- globe-plan dir=<dir> plan=<12 hex> -->.
# A globe that does not write one yet gets one here, with the digest of the saved plan.
ensure_marker() {
  local first
  first="$(head -n 1 "$GLOBE_COMMENT" 2>/dev/null || true)"
  [[ "$first" == '<!-- globe-plan dir='* ]] && return 0
  local id=none
  [[ -s "$GLOBE_OUT" ]] && id="$(sha256sum "$GLOBE_OUT" | cut -c1-12)"
  { echo "<!-- globe-plan dir=${GLOBE_DIR} plan=${id} -->"; cat "$GLOBE_COMMENT" 2>/dev/null || true; } >"$GLOBE_COMMENT.tmp"
  mv "$GLOBE_COMMENT.tmp" "$GLOBE_COMMENT"
}

# Post the comment, or update the one this directory's plan posted before (same marker prefix):
# a re-push edits it in place instead of adding another.
post_comment() {
  need GITHUB_REPOSITORY
  need PR_NUMBER
  local first prefix id
  first="$(head -n 1 "$GLOBE_COMMENT")"
  prefix="${first%%plan=*}"  # "<!-- globe-plan dir=<dir> "
  id="$(gh api --paginate "repos/${GITHUB_REPOSITORY}/issues/${PR_NUMBER}/comments" \
    --jq ".[] | select(.body | startswith($(json_string "$prefix"))) | .id" | sed -n 1p)"
  if [[ -n "$id" ]]; then
    gh api --method PATCH "repos/${GITHUB_REPOSITORY}/issues/comments/${id}" -F "body=@${GLOBE_COMMENT}" >/dev/null
    echo "globe-ci: updated comment ${id}"
  else
    gh api --method POST "repos/${GITHUB_REPOSITORY}/issues/${PR_NUMBER}/comments" -F "body=@${GLOBE_COMMENT}" >/dev/null
    echo "globe-ci: posted the plan comment"
  fi
}

plan() {
  rm -f "$GLOBE_OUT"
  local code=0
  # stdout is the comment; progress lines and diagnostics go to stderr (the job's log).
  "${GLOBE_CMD[@]}" plan "$GLOBE_DIR" --format markdown --out "$GLOBE_OUT" --fail-on "$GLOBE_FAIL_ON" \
    --lock-timeout "$GLOBE_LOCK_TIMEOUT" >"$GLOBE_COMMENT" || code=$?
  # On GitHub Actions a project with errors also prints `::error file=…` annotations: they are
  # for the runner (printed here, on stdout), not for the comment.
  if grep -q '^::' "$GLOBE_COMMENT" 2>/dev/null; then
    grep '^::' "$GLOBE_COMMENT" || true
    grep -v '^::' "$GLOBE_COMMENT" >"${GLOBE_COMMENT}.tmp" || true
    mv "${GLOBE_COMMENT}.tmp" "$GLOBE_COMMENT"
  fi
  if [[ ! -s "$GLOBE_COMMENT" ]]; then
    printf '## globe plan\n\n**Nothing was planned** (exit %s): see the job log.\n' "$code" >"$GLOBE_COMMENT"
  fi
  ensure_marker
  post_comment
  # 0: planned; 3: planned, but a promise is broken (the comment says which); 1: an error.
  if [[ $code -eq 3 ]]; then echo "globe-ci: the plan breaks a promise --fail-on ${GLOBE_FAIL_ON} checks" >&2; fi
  return "$code"
}

fetch_plan() {
  need HEAD_SHA
  local run dir
  run="$(gh run list --workflow "$GLOBE_WORKFLOW" --event pull_request --commit "$HEAD_SHA" --status success \
    --json databaseId --jq '.[0].databaseId')"
  [[ -n "$run" && "$run" != null ]] || die "no successful plan run for ${HEAD_SHA}: nothing reviewed to apply"
  dir="$(mktemp -d)"
  gh run download "$run" --name "$GLOBE_ARTIFACT" --dir "$dir"
  [[ -s "$dir/$(basename "$GLOBE_OUT")" ]] || die "the artifact ${GLOBE_ARTIFACT} of run ${run} holds no $(basename "$GLOBE_OUT")"
  mv "$dir/$(basename "$GLOBE_OUT")" "$GLOBE_OUT"
  rm -rf "$dir"
  echo "globe-ci: fetched ${GLOBE_OUT} from run ${run}"
}

apply() {
  [[ -s "$GLOBE_OUT" ]] || die "no ${GLOBE_OUT} to apply (run fetch-plan first)"
  # The reviewed artifact itself, never a fresh plan: apply refuses it if the project or the state
  # changed since it was made, or if it breaks a promise --fail-on checks (exit 3).
  "${GLOBE_CMD[@]}" apply "$GLOBE_OUT" --project "$GLOBE_DIR" --fail-on "$GLOBE_FAIL_ON" --lock-timeout "$GLOBE_LOCK_TIMEOUT"
}

case "${1:-}" in
  plan) plan ;;
  fetch-plan) fetch_plan ;;
  apply) apply ;;
  *) die "usage: globe-ci.sh plan|fetch-plan|apply" ;;
esac
