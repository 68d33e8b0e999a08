"""The deploy scripts and systemd units agree with each other and with the templates."""

from __future__ import annotations

import configparser
import json
import re
import subprocess

import pytest
from cfn_yaml import INFRA, load_template

DEPLOY = INFRA / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("retail-*.service"))
INSTALL = (DEPLOY / "install.sh").read_text()


def unit(path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text())
    return parser


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_services_run_unprivileged_from_the_rendered_environment(path):
    service = unit(path)["Service"]
    assert service["User"] == "retail"
    assert service["EnvironmentFile"] == "/etc/retail/app.env"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["StandardOutput"].startswith("append:/var/log/retail/")


def test_every_unit_install_sh_starts_exists():
    started = set(re.findall(r"retail-[a-z-]+\.(?:service|timer)", INSTALL.split('case "$role"')[1]))
    assert started == {
        "retail-web.service",
        "retail-worker.service",
        "retail-drain.service",
        "retail-beat.service",
        "retail-queue-depth.timer",
    }
    for name in started:
        assert (DEPLOY / "systemd" / name).exists(), name


def test_web_worker_and_beat_run_gunicorn_celery_worker_and_celery_beat():
    assert "gunicorn retail.wsgi:application" in (DEPLOY / "systemd/retail-web.service").read_text()
    assert "celery -A retail worker" in (DEPLOY / "systemd/retail-worker.service").read_text()
    assert "celery -A retail beat" in (DEPLOY / "systemd/retail-beat.service").read_text()
    timer = (DEPLOY / "systemd/retail-queue-depth.timer").read_text()
    assert "OnUnitActiveSec=60s" in timer


def test_only_the_beat_host_migrates_and_the_others_wait_for_it():
    migrate_lines = [line.strip() for line in INSTALL.splitlines() if "manage migrate" in line]
    assert migrate_lines.count("manage migrate --noinput") == 1
    leader = INSTALL.split('if [[ "$role" == beat ]]; then')[1].split("else")[0]
    assert "manage migrate --noinput" in leader
    assert "manage migrate --check" in INSTALL


def test_scripts_parse():
    for script in ("install.sh", "release.sh"):
        subprocess.run(["bash", "-n", str(DEPLOY / script)], check=True)
    subprocess.run(["bash", "-n", str(INFRA / "check.sh")], check=True)


def test_cloudwatch_agent_ships_to_the_log_groups_the_templates_create():
    config = json.loads((DEPLOY / "cloudwatch-agent.json").read_text())
    compute = load_template(INFRA / "stacks/compute.yaml")
    created = {
        res["Properties"]["LogGroupName"]["Fn::Sub"].replace("/${ProjectName}/${EnvironmentName}", "__LOG_PREFIX__")
        for res in compute["Resources"].values()
        if res["Type"] == "AWS::Logs::LogGroup"
    }
    for entry in config["logs"]["logs_collected"]["files"]["collect_list"]:
        for role in ("web", "worker", "beat"):
            assert entry["log_group_name"].replace("__ROLE__", role) in created


def test_user_data_hands_over_to_install_sh_and_signals_its_result():
    compute = load_template(INFRA / "stacks/compute.yaml")
    for name in ("WebLaunchTemplate", "WorkerLaunchTemplate", "BeatLaunchTemplate"):
        script = compute["Resources"][name]["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
        role = name.removesuffix("LaunchTemplate").lower()
        assert f"RETAIL_ROLE={role}" in script
        lines = script.splitlines()
        install = lines.index('bash "$release/infra/deploy/install.sh" >> /var/log/retail-deploy.log 2>&1')
        assert lines[install + 1] == "rc=$?"  # captured before anything else can reset $?
        assert 'cfn-signal -e "$rc"' in lines[install + 2]
        assert f"--resource {role.capitalize()}Group" in lines[install + 2]
