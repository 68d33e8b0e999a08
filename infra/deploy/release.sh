#!/usr/bin/env bash
# Build a release tarball from a git tag and upload it where the instances fetch it:
#   bash infra/deploy/release.sh v1.2.0 retail-artifacts-111122223333-us-east-1
# Then deploy the stack with ReleaseVersion=v1.2.0 (infra/README.md).
set -euo pipefail
tag="${1:?usage: release.sh <git tag> <artifact bucket>}"
bucket="${2:?usage: release.sh <git tag> <artifact bucket>}"
git rev-parse --verify --quiet "refs/tags/$tag" >/dev/null || { echo "no such tag: $tag" >&2; exit 1; }
git archive --format=tar.gz "$tag" | aws s3 cp - "s3://$bucket/releases/$tag.tar.gz" --only-show-errors
echo "uploaded s3://$bucket/releases/$tag.tar.gz"
