#!/usr/bin/env bash
# Install the release this script belongs to on this instance, for its role.
#
# Called by the launch template's user data after it has written /etc/retail/instance.env
# and unpacked s3://<artifacts>/releases/<version>.tar.gz into /opt/retail/releases/<version>.
# Its exit code is what cfn-signal reports, so a broken release fails the rolling update
# and CloudFormation rolls back.
#
#   web     gunicorn behind the ALB                    (retail-web.service)
#   worker  celery worker                               (retail-worker.service)
#   beat    celery beat + the queue-depth publisher     (retail-beat.service, retail-queue-depth.timer)
#           and the deploy leader: the only role that runs migrations (one beat, ever).
#
# Web and worker wait until the schema matches their release before they start.
set -euo pipefail

release="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
deploy="$release/infra/deploy"
# shellcheck disable=SC1091
source /etc/retail/instance.env
role="${RETAIL_ROLE:?RETAIL_ROLE missing from instance.env}"
log() { echo "$(date -Is) install.sh[$role]: $*"; }

log "installing $release"
dnf install -y -q python3.12 python3.12-pip amazon-cloudwatch-agent logrotate
id retail >/dev/null 2>&1 || useradd --system --home-dir /opt/retail --shell /sbin/nologin retail
install -d -o retail -g retail -m 0755 /var/log/retail  # the CloudWatch agent (cwagent) reads it
install -d -o retail -g retail -m 0750 /var/lib/retail
install -d -o retail -g retail -m 0755 "$release/staticfiles"

log "building the venv"
python3.12 -m venv "$release/venv"
"$release/venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
if [[ -d "$release/wheels" ]]; then
    # A release built with wheels/ installs without reaching PyPI.
    "$release/venv/bin/pip" install --quiet --no-index --find-links "$release/wheels" -r "$release/requirements.txt"
else
    "$release/venv/bin/pip" install --quiet -r "$release/requirements.txt"
fi

log "rendering /etc/retail/app.env"
"$release/venv/bin/python" "$deploy/render_env.py" --instance-env /etc/retail/instance.env --output /etc/retail/app.env

# manage.py as the services run it: user retail, the same EnvironmentFile, the release dir.
manage() {
    systemd-run --quiet --wait --pipe --collect \
        --uid=retail --gid=retail \
        --property=EnvironmentFile=/etc/retail/app.env \
        --working-directory="$release" \
        -- "$release/venv/bin/python" manage.py "$@"
}

manage check --deploy --fail-level WARNING

if [[ "$role" == beat ]]; then
    log "migrating (deploy leader)"
    manage migrate --noinput
else
    log "waiting for the beat host to migrate"
    for _ in $(seq 1 120); do
        if manage migrate --check >/dev/null 2>&1; then
            break
        fi
        sleep 10
    done
    manage migrate --check
fi

if [[ "$role" == web ]]; then
    manage collectstatic --noinput >/dev/null
fi

log "switching /opt/retail/current"
ln -sfn "$release" /opt/retail/current.new
mv -T /opt/retail/current.new /opt/retail/current

install -m 0644 "$deploy"/systemd/retail-*.service "$deploy"/systemd/retail-*.timer /etc/systemd/system/
install -m 0644 "$deploy/logrotate.conf" /etc/logrotate.d/retail
sed -e "s|__LOG_PREFIX__|$RETAIL_LOG_PREFIX|g" -e "s|__ROLE__|$role|g" "$deploy/cloudwatch-agent.json" \
    >/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
    -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
systemctl daemon-reload

case "$role" in
    web) units=(retail-web.service) ;;
    worker) units=(retail-worker.service retail-drain.service) ;;
    beat) units=(retail-beat.service retail-queue-depth.timer) ;;
    *) log "unknown role $role"; exit 2 ;;
esac
systemctl enable "${units[@]}"
systemctl restart "${units[@]}"

if [[ "$role" == web ]]; then
    log "waiting for /healthz"
    for _ in $(seq 1 30); do
        if curl -fsS -o /dev/null -H "Host: ${DJANGO_ALLOWED_HOSTS%%,*}" "http://127.0.0.1:${APP_PORT:-8000}/healthz"; then
            log "healthy"
            exit 0
        fi
        sleep 2
    done
    log "gunicorn did not become healthy"
    exit 1
fi
sleep 10
systemctl is-active --quiet "${units[0]}"
log "running"
