#!/usr/bin/env bash
# Lints every CloudFormation template: cfn-lint (0 errors, 0 warnings) and checkov
# (0 failed checks; each skip carries its reason in the resource's Metadata).
#
# Run from anywhere (CI runs `bash infra/check.sh` from the repo root). The linters live
# in their own venv, infra/.venv-infra, rebuilt only when requirements-check.txt
# changes (a stamp file holds its hash): about 75 s cold, about 15 s warm.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
venv=.venv-infra
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

want="$(sha256sum requirements-check.txt | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "check.sh: building $venv (requirements-check.txt changed)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    if ! "$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-check.txt >"$venv.log" 2>&1; then
        cat "$venv.log" >&2
        exit 1
    fi
    echo "$want" >"$stamp"
fi

templates=(root.yaml stacks/*.yaml)

echo "check.sh: cfn-lint ${templates[*]}"
# Any error, warning or informational finding fails (exit code is non-zero for each).
"$venv/bin/cfn-lint" --non-zero-exit-code informational -- "${templates[@]}"

echo "check.sh: checkov"
checkov_args=(--framework cloudformation --quiet --compact --skip-download)
for template in "${templates[@]}"; do
    checkov_args+=(--file "$template")
done
BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false "$venv/bin/checkov" "${checkov_args[@]}"

echo "check.sh: ok"
