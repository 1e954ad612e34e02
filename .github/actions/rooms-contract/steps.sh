#!/usr/bin/env bash
# The steps of the rooms-contract action, one function each, so that they run the
# same on a GitHub runner and on a laptop:
#
#   SPEC=openapi.yaml BASE_REV=origin/main steps.sh install|lint|diff|start|suite|stop|verdict
#
# Inputs come as environment variables (action.yml maps its inputs to them); what one
# step leaves for the next (the server's URL and pid, the diff's exit code) goes in
# $REPORTS, which is also what the action uploads.
set -euo pipefail

SPEC=${SPEC:-openapi.yaml}
REPORTS=${REPORTS:-rooms-contract-reports}
FAIL_ON=${FAIL_ON:-breaking}
MOCK_PORT=${MOCK_PORT:-8765}
API_BASE_PATH=${API_BASE_PATH:-/api/v1}
WAIT_SECONDS=${WAIT_SECONDS:-60}
summary=${GITHUB_STEP_SUMMARY:-$REPORTS/summary.md}
mkdir -p "$REPORTS"

say() { echo "rooms-contract action: $*"; }

install() {
    local extra=()
    read -r -a extra <<< "${PIP_ARGS:-}"
    python -m pip install --quiet "${extra[@]}" "${KIT:-rooms-api-kit[contract]}"
    rooms-contract --version
}

lint() {
    rooms-contract lint "$SPEC" | tee "$REPORTS/lint.txt"
}

# The spec at the base revision against the one in the work tree, read by git (REV:PATH).
diff_base() {
    if [ -z "${BASE_REV:-}" ]; then
        say "no base revision (not a pull request): nothing to compare against"
        return 0
    fi
    if ! git rev-parse --verify --quiet "$BASE_REV^{commit}" > /dev/null; then
        say "fetching $BASE_REV (the checkout is shallow)"
        git fetch --no-tags --depth=1 origin "${BASE_REV#origin/}:refs/remotes/origin/${BASE_REV#origin/}" || true
    fi
    local old="$BASE_REV:./$SPEC"
    if ! git cat-file -e "$old" 2> /dev/null; then
        say "$BASE_REV has no $SPEC: nothing to compare against"
        return 0
    fi
    local status=0
    rooms-contract diff "$old" "$SPEC" --fail-on "$FAIL_ON" --format markdown \
        > "$REPORTS/api-diff.md" || status=$?
    if [ "$status" -gt 1 ]; then
        exit "$status" # the specs could not be compared: the one line above says why
    fi
    rooms-contract diff "$old" "$SPEC" --format json > "$REPORTS/api-diff.json" || true
    rooms-contract diff "$old" "$SPEC" --fail-on "$FAIL_ON" || true # the text, for the log
    cat "$REPORTS/api-diff.md" >> "$summary"
    echo "$status" > "$REPORTS/diff-status"
}

# The mock built from the spec, or the server the caller names (and maybe starts).
start() {
    local url
    if [ -n "${BASE_URL:-}" ]; then
        url=$BASE_URL
        if [ -n "${START_COMMAND:-}" ]; then
            bash -c "$START_COMMAND" > "$REPORTS/server.log" 2>&1 &
            echo $! > "$REPORTS/server.pid"
        fi
    else
        url="http://127.0.0.1:$MOCK_PORT$API_BASE_PATH"
        rooms-mock --spec "$SPEC" --port "$MOCK_PORT" --fixtures none > "$REPORTS/server.log" 2>&1 &
        echo $! > "$REPORTS/server.pid"
    fi
    echo "$url" > "$REPORTS/base-url"
    local deadline=$((SECONDS + WAIT_SECONDS))
    until python -c 'import sys, urllib.request as u
try:
    u.urlopen(sys.argv[1] + "/rooms?limit=1", timeout=2)
except u.HTTPError:
    pass' "$url" 2> /dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            say "$url did not answer within $WAIT_SECONDS s"
            tail -n 50 "$REPORTS/server.log" 2> /dev/null || true
            return 1
        fi
        sleep 0.5
    done
    say "$url answers"
}

suite() {
    local extra=()
    read -r -a extra <<< "${SUITE_ARGS:-}"
    rooms-contract --base-url "$(cat "$REPORTS/base-url")" --spec "$SPEC" \
        --junit-xml "$REPORTS/contract-junit.xml" "${extra[@]}"
}

stop() {
    if [ -f "$REPORTS/server.pid" ]; then
        kill "$(cat "$REPORTS/server.pid")" 2> /dev/null || true
        rm -f "$REPORTS/server.pid"
        say "server stopped; the last lines of its log:"
        tail -n 20 "$REPORTS/server.log" || true
    fi
}

# Fail the job if the diff found what --fail-on refuses (the suite already failed its step).
verdict() {
    if [ "$(cat "$REPORTS/diff-status" 2> /dev/null || echo 0)" != 0 ]; then
        say "the spec has changes that fail the gate (--fail-on $FAIL_ON); see the job summary"
        exit 1
    fi
    say "the spec passes the gate"
}

case "${1:-}" in
    install) install ;;
    lint) lint ;;
    diff) diff_base ;;
    start) start ;;
    suite) suite ;;
    stop) stop ;;
    verdict) verdict ;;
    *)
        echo "usage: steps.sh install|lint|diff|start|suite|stop|verdict" >&2
        exit 2
        ;;
esac
