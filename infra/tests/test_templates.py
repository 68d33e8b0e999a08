"""Security-critical facts about the CloudFormation templates, checked without AWS.

cfn-lint and checkov (infra/check.sh) check the templates against AWS's schemas and a
generic rule set; these tests pin the promises this project makes about its own footprint.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cfn_yaml import ALL_TEMPLATES, INFRA, STACK_TEMPLATES, load_template, resources
from django.conf import settings
from sources import load_source

drain_worker = load_source("deploy/drain_worker.py")
TEMPLATES = {path.relative_to(INFRA).as_posix(): load_template(path) for path in ALL_TEMPLATES}
ROOT = TEMPLATES["root.yaml"]


def stack(name: str) -> dict[str, Any]:
    return TEMPLATES[f"stacks/{name}.yaml"]


def all_resources(*types: str):
    for template_name, template in TEMPLATES.items():
        for name, resource in resources(template, *types).items():
            yield template_name, name, resource


def props(resource: dict[str, Any]) -> dict[str, Any]:
    return resource.get("Properties", {})


# Types whose CloudFormation schema has a Tags property (checked against cfn-lint's schemas),
# and those that have none. A new type must be added to one of the two.
TAGGABLE = {
    "AWS::ApiGateway::ApiKey", "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::ApiGateway::UsagePlan",
    "AWS::AutoScaling::AutoScalingGroup", "AWS::CloudFormation::Stack", "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard", "AWS::EC2::EIP", "AWS::EC2::FlowLog", "AWS::EC2::InternetGateway",
    "AWS::EC2::NatGateway", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup", "AWS::EC2::Subnet", "AWS::EC2::VPC",
    "AWS::EC2::VPCEndpoint", "AWS::ElastiCache::ParameterGroup", "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::SubnetGroup", "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::Events::Rule",
    "AWS::IAM::Role", "AWS::KMS::Key", "AWS::Lambda::Function", "AWS::Logs::LogGroup", "AWS::RDS::DBInstance",
    "AWS::RDS::DBParameterGroup", "AWS::RDS::DBSubnetGroup", "AWS::RedshiftServerless::Namespace",
    "AWS::RedshiftServerless::Workgroup", "AWS::S3::Bucket", "AWS::SNS::Topic", "AWS::SQS::Queue",
    "AWS::SecretsManager::Secret", "AWS::WAFv2::WebACL",
}  # fmt: skip
TAGGED_BY_SPECIFICATION = {"AWS::EC2::LaunchTemplate"}
UNTAGGABLE = {
    "AWS::ApiGateway::Account", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Resource", "AWS::ApiGateway::UsagePlanKey", "AWS::AutoScaling::ScalingPolicy",
    "AWS::EC2::Route", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::VPCGatewayAttachment", "AWS::IAM::InstanceProfile",
    "AWS::IAM::ManagedPolicy", "AWS::KMS::Alias", "AWS::Lambda::Permission", "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription", "AWS::WAFv2::LoggingConfiguration", "AWS::WAFv2::WebACLAssociation",
}  # fmt: skip

# Every store of data, and what must be true of it.
DATA_STORES = {
    "AWS::RDS::DBInstance", "AWS::ElastiCache::ReplicationGroup", "AWS::S3::Bucket",
    "AWS::RedshiftServerless::Namespace", "AWS::RedshiftServerless::Workgroup", "AWS::KMS::Key",
}  # fmt: skip

OPEN_CIDRS = {"0.0.0.0/0", "::/0"}


def tag_keys(resource: dict[str, Any]) -> set[str]:
    tags = props(resource).get("Tags", [])
    if isinstance(tags, dict):
        return set(tags)
    return {tag["Key"] for tag in tags}


def ingress_rules():
    """(template, security group logical id, rule) for inline and standalone ingress."""
    for template_name, name, group in all_resources("AWS::EC2::SecurityGroup"):
        for rule in props(group).get("SecurityGroupIngress", []):
            yield template_name, name, rule
    for template_name, _name, rule in all_resources("AWS::EC2::SecurityGroupIngress"):
        yield template_name, props(rule)["GroupId"]["Ref"], props(rule)


def covers_port(rule: dict[str, Any], port: int) -> bool:
    if str(rule.get("IpProtocol")) in {"-1", "all"}:
        return True
    low, high = rule.get("FromPort"), rule.get("ToPort")
    if isinstance(low, dict) or isinstance(high, dict):  # a parameter (the app port)
        return False
    return int(low) <= port <= int(high)


def is_dynamic_secret(value: Any) -> bool:
    text = value.get("Fn::Sub") if isinstance(value, dict) else value
    return isinstance(text, str) and bool(re.match(r"^\{\{resolve:(secretsmanager|ssm-secure):", text))


# --- structure -------------------------------------------------------------------------


def test_every_template_declares_version_description_and_resources():
    for name, template in TEMPLATES.items():
        assert template["AWSTemplateFormatVersion"] == "2010-09-09", name
        assert template.get("Description"), name
        assert template.get("Resources"), name


def test_root_nests_every_stack_template_exactly_once():
    urls = [props(res)["TemplateURL"] for res in resources(ROOT, "AWS::CloudFormation::Stack").values()]
    assert sorted(urls) == sorted(path.relative_to(INFRA).as_posix() for path in STACK_TEMPLATES)


def test_root_passes_each_nested_stack_exactly_its_parameters():
    for name, res in resources(ROOT, "AWS::CloudFormation::Stack").items():
        child = load_template(INFRA / props(res)["TemplateURL"])
        declared = child.get("Parameters", {})
        passed = set(props(res).get("Parameters", {}))
        required = {key for key, spec in declared.items() if "Default" not in spec}
        assert passed <= set(declared), f"{name} passes unknown {passed - set(declared)}"
        assert required <= passed, f"{name} misses {required - passed}"


def test_environment_is_a_parameter_limited_to_staging_and_production():
    for name, template in TEMPLATES.items():
        assert template["Parameters"]["EnvironmentName"]["AllowedValues"] == ["staging", "production"], name


def test_every_resource_type_is_classified_for_tagging():
    known = TAGGABLE | TAGGED_BY_SPECIFICATION | UNTAGGABLE
    used = {res["Type"] for _t, _n, res in all_resources()}
    assert used <= known, used - known


def test_every_taggable_resource_carries_project_and_environment_tags():
    untagged = [
        f"{template}:{name}"
        for template, name, res in all_resources(*TAGGABLE)
        if not {"Project", "Environment"} <= tag_keys(res)
    ]
    assert untagged == []
    for template, name, res in all_resources(*TAGGED_BY_SPECIFICATION):
        specs = props(res)["TagSpecifications"] + props(res)["LaunchTemplateData"]["TagSpecifications"]
        for spec in specs:
            assert {"Project", "Environment"} <= {tag["Key"] for tag in spec["Tags"]}, f"{template}:{name}"


def test_auto_scaling_tags_propagate_to_instances():
    for template, name, res in all_resources("AWS::AutoScaling::AutoScalingGroup"):
        assert all(tag["PropagateAtLaunch"] is True for tag in props(res)["Tags"]), f"{template}:{name}"


# --- network exposure ------------------------------------------------------------------


def test_only_the_alb_is_open_to_the_internet_and_only_on_80_and_443():
    open_rules = [
        (group, rule)
        for _t, group, rule in ingress_rules()
        if rule.get("CidrIp") in OPEN_CIDRS or rule.get("CidrIpv6") in OPEN_CIDRS
    ]
    assert open_rules, "the ALB must be reachable"
    for group, rule in open_rules:
        assert group == "AlbSecurityGroup"
        assert rule["IpProtocol"] == "tcp"
        assert (rule["FromPort"], rule["ToPort"]) in {(80, 80), (443, 443)}


def test_no_ssh_or_rdp_anywhere_and_no_key_pairs():
    for template, group, rule in ingress_rules():
        assert not covers_port(rule, 22), f"{template}:{group}"
        assert not covers_port(rule, 3389), f"{template}:{group}"
    for template, name, res in all_resources("AWS::EC2::LaunchTemplate"):
        assert "KeyName" not in props(res)["LaunchTemplateData"], f"{template}:{name}"


def test_web_tier_is_reachable_only_from_the_alb():
    rules = [rule for _t, group, rule in ingress_rules() if group == "WebSecurityGroup"]
    assert rules
    assert all(rule.get("SourceSecurityGroupId") == {"Ref": "AlbSecurityGroup"} for rule in rules)


def test_database_and_redis_are_reachable_only_from_the_app_tiers():
    app_tiers = {"WebSecurityGroup", "WorkerSecurityGroup"}
    for data_group, port in (("DatabaseSecurityGroup", 5432), ("CacheSecurityGroup", 6379)):
        rules = [rule for _t, group, rule in ingress_rules() if group == data_group]
        assert {rule["SourceSecurityGroupId"]["Ref"] for rule in rules} == app_tiers
        assert all(rule["FromPort"] == rule["ToPort"] == port for rule in rules)
        assert all("CidrIp" not in rule and "CidrIpv6" not in rule for rule in rules)


def test_redshift_and_workers_accept_no_inbound_traffic():
    groups = {group for _t, group, _rule in ingress_rules()}
    assert "WarehouseSecurityGroup" not in groups
    assert "WorkerSecurityGroup" not in groups


def test_app_groups_replace_the_default_allow_all_egress():
    security = resources(stack("security"), "AWS::EC2::SecurityGroup")
    for name, group in security.items():
        egress = props(group).get("SecurityGroupEgress")
        assert egress, f"{name} keeps the default allow-all egress"
        assert all(rule["IpProtocol"] != "-1" for rule in egress), name


def test_data_stores_are_not_publicly_accessible_and_live_in_private_subnets():
    db = resources(stack("data"), "AWS::RDS::DBInstance")["Database"]
    assert props(db)["PubliclyAccessible"] is False
    workgroup = resources(stack("warehouse"), "AWS::RedshiftServerless::Workgroup")["Workgroup"]
    assert props(workgroup)["PubliclyAccessible"] is False
    assert props(workgroup)["SubnetIds"] == {"Ref": "PrivateSubnetIds"}
    for name in ("DbSubnetGroup", "CacheSubnetGroup"):
        assert props(resources(stack("data"))[name])["SubnetIds"] == {"Ref": "PrivateSubnetIds"}
    for nested in ("Data", "Warehouse", "Compute"):
        passed = props(ROOT["Resources"][nested])["Parameters"]["PrivateSubnetIds"]
        assert passed == {"Fn::GetAtt": ["Network", "Outputs.PrivateSubnetIds"]}


def test_private_subnets_have_no_route_to_the_internet_gateway():
    network = stack("network")
    for name, route in resources(network, "AWS::EC2::Route").items():
        if props(route)["RouteTableId"]["Ref"].startswith("Private"):
            assert "GatewayId" not in props(route), name
            assert "NatGatewayId" in props(route), name
    for name, subnet in resources(network, "AWS::EC2::Subnet").items():
        assert props(subnet).get("MapPublicIpOnLaunch", False) is False, name


def test_network_spans_three_azs_with_s3_endpoint_and_flow_logs():
    network = stack("network")
    azs = {str(props(s)["AvailabilityZone"]["Fn::Select"][0]) for s in resources(network, "AWS::EC2::Subnet").values()}
    assert azs == {"0", "1", "2"}
    endpoint = resources(network, "AWS::EC2::VPCEndpoint")["S3GatewayEndpoint"]
    assert props(endpoint)["VpcEndpointType"] == "Gateway"
    flow = resources(network, "AWS::EC2::FlowLog")["VpcFlowLog"]
    assert props(flow)["TrafficType"] == "ALL"


# --- encryption and retention ----------------------------------------------------------


def test_every_data_store_is_encrypted():
    for template, name, res in all_resources("AWS::RDS::DBInstance"):
        assert props(res)["StorageEncrypted"] is True, f"{template}:{name}"
    for template, name, res in all_resources("AWS::ElastiCache::ReplicationGroup"):
        p = props(res)
        assert p["AtRestEncryptionEnabled"] is True, f"{template}:{name}"
        assert p["TransitEncryptionEnabled"] is True, f"{template}:{name}"
        assert p["TransitEncryptionMode"] == "required", f"{template}:{name}"
    for template, name, res in all_resources("AWS::S3::Bucket"):
        rules = props(res)["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}, f"{template}:{name}"
    for template, name, res in all_resources("AWS::RedshiftServerless::Namespace"):
        assert props(res)["KmsKeyId"], f"{template}:{name}"
    for kind, key in (
        ("AWS::SecretsManager::Secret", "KmsKeyId"),
        ("AWS::Logs::LogGroup", "KmsKeyId"),
        ("AWS::SNS::Topic", "KmsMasterKeyId"),
        ("AWS::SQS::Queue", "KmsMasterKeyId"),
    ):
        for template, name, res in all_resources(kind):
            assert props(res).get(key), f"{template}:{name}"
    for template, name, res in all_resources("AWS::EC2::LaunchTemplate"):
        for mapping in props(res)["LaunchTemplateData"]["BlockDeviceMappings"]:
            assert mapping["Ebs"]["Encrypted"] is True, f"{template}:{name}"


def test_every_data_store_has_a_snapshot_or_retain_deletion_policy():
    for template, name, res in all_resources(*DATA_STORES):
        assert res.get("DeletionPolicy") in {"Snapshot", "Retain"}, f"{template}:{name}"
        assert res.get("UpdateReplacePolicy") in {"Snapshot", "Retain"}, f"{template}:{name}"


def test_database_is_multi_az_backed_up_and_deletion_protected():
    db = props(resources(stack("data"), "AWS::RDS::DBInstance")["Database"])
    assert db["MultiAZ"] == {"Ref": "DbMultiAz"}
    assert stack("data")["Parameters"]["DbMultiAz"]["Default"] == "true"
    assert db["DeletionProtection"] is True
    assert stack("data")["Parameters"]["DbBackupRetentionDays"]["MinValue"] >= 7


def test_buckets_block_public_access_and_refuse_plain_http():
    storage = stack("storage")
    buckets = resources(storage, "AWS::S3::Bucket")
    policies = {
        props(p)["Bucket"]["Ref"]: props(p)["PolicyDocument"]
        for p in resources(storage, "AWS::S3::BucketPolicy").values()
    }
    assert {"MediaBucket", "ReportsBucket", "ExportsBucket"} <= set(buckets)
    for name, bucket in buckets.items():
        assert set(props(bucket)["PublicAccessBlockConfiguration"].values()) == {True}, name
        assert props(bucket)["LifecycleConfiguration"]["Rules"], name
        denies = [
            s for s in policies[name]["Statement"]
            if s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
        ]  # fmt: skip
        assert denies, f"{name} accepts plain HTTP"
    for name in ("MediaBucket", "ExportsBucket"):
        assert props(buckets[name])["VersioningConfiguration"]["Status"] == "Enabled"


def test_bucket_names_fit_in_63_characters_for_the_longest_allowed_inputs():
    longest_project = "p" * int(re.search(r"\{1,(\d+)\}", ROOT["Parameters"]["ProjectName"]["AllowedPattern"])[1]) + "p"
    values = {
        "ProjectName": longest_project,
        "EnvironmentName": "production",
        "AWS::AccountId": "111122223333",
        "AWS::Region": "ap-southeast-2",
    }
    for name, bucket in resources(stack("storage"), "AWS::S3::Bucket").items():
        rendered = re.sub(r"\$\{([^}]+)\}", lambda m: values[m[1]], props(bucket)["BucketName"]["Fn::Sub"])
        assert len(rendered) <= 63, f"{name}: {rendered}"


# --- secrets ---------------------------------------------------------------------------


SECRET_PROPERTIES = {"MasterUserPassword", "MasterUsername", "AuthToken", "AdminUserPassword", "AdminUsername"}


def test_secrets_reach_resources_only_through_dynamic_references():
    for template, name, res in all_resources():
        for key in SECRET_PROPERTIES & set(props(res)):
            assert is_dynamic_secret(props(res)[key]), f"{template}:{name}.{key}"


def test_no_secret_shaped_literal_in_any_template():
    for path in ALL_TEMPLATES:
        text = path.read_text()
        assert not re.search(r"(?i)(password|secret|token)\s*[:=]\s*['\"]?[A-Za-z0-9/+]{16,}", text), path
        assert not re.search(r"AKIA[0-9A-Z]{16}", text), path


def test_user_data_carries_secret_arns_never_secret_values():
    for template, name, res in all_resources("AWS::EC2::LaunchTemplate"):
        script = props(res)["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
        assert "resolve:" not in script, f"{template}:{name}"
        assert "DJANGO_SECRET_KEY=" not in script and "DATABASE_URL=" not in script, f"{template}:{name}"


# --- instances -------------------------------------------------------------------------


def test_every_launch_template_requires_imdsv2_and_has_an_instance_profile():
    templates = list(all_resources("AWS::EC2::LaunchTemplate"))
    assert len(templates) == 3
    for template, name, res in templates:
        data = props(res)["LaunchTemplateData"]
        assert data["MetadataOptions"]["HttpTokens"] == "required", f"{template}:{name}"
        assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1, f"{template}:{name}"
        assert data["IamInstanceProfile"]["Arn"]["Fn::GetAtt"][1] == "Arn", f"{template}:{name}"
        assert "NetworkInterfaces" not in data, f"{template}:{name}"  # so no public address either


def test_ami_comes_from_the_public_ssm_parameter():
    compute = stack("compute")
    image = compute["Parameters"]["ImageId"]
    assert image["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"
    assert ROOT["Parameters"]["AmiParameterPath"]["Default"].startswith("/aws/service/ami-amazon-linux-latest/")
    for _t, name, res in all_resources("AWS::EC2::LaunchTemplate"):
        assert props(res)["LaunchTemplateData"]["ImageId"] == {"Ref": "ImageId"}, name
    for path in ALL_TEMPLATES:
        assert not re.search(r"\bami-[0-9a-f]{8,}\b", path.read_text()), path


def test_one_beat_and_scaling_policies_for_web_and_workers():
    compute = stack("compute")
    beat = props(compute["Resources"]["BeatGroup"])
    assert (beat["MinSize"], beat["MaxSize"]) == ("1", "1")
    assert compute["Resources"]["BeatGroup"]["UpdatePolicy"]["AutoScalingRollingUpdate"]["MinInstancesInService"] == 0
    policies = resources(compute, "AWS::AutoScaling::ScalingPolicy")
    assert props(policies["WebCpuScaling"])["PolicyType"] == "TargetTrackingScaling"
    assert props(policies["WorkerScaleOut"])["AutoScalingGroupName"] == {"Ref": "WorkerGroup"}
    high = props(compute["Resources"]["QueueDepthHighAlarm"])
    assert high["MetricName"] == "QueueDepth"
    assert high["AlarmActions"] == [{"Ref": "WorkerScaleOut"}]


def test_alb_redirects_http_serves_https_checks_healthz_and_logs():
    compute = stack("compute")
    found = resources(compute, "AWS::ElasticLoadBalancingV2::Listener").values()
    listeners = {props(listener)["Port"]: props(listener) for listener in found}
    assert listeners[443]["Protocol"] == "HTTPS"
    assert listeners[443]["Certificates"] == [{"CertificateArn": {"Ref": "CertificateArn"}}]
    redirect = listeners[80]["DefaultActions"][0]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    assert redirect["RedirectConfig"]["StatusCode"] == "HTTP_301"
    group = props(resources(compute, "AWS::ElasticLoadBalancingV2::TargetGroup")["WebTargetGroup"])
    assert group["HealthCheckPath"] == "/healthz"
    attributes = {a["Key"]: a["Value"] for a in props(compute["Resources"]["LoadBalancer"])["LoadBalancerAttributes"]}
    assert attributes["access_logs.s3.enabled"] == "true"


def test_one_waf_acl_guards_both_the_alb_and_the_api_stage_and_logs_without_credentials():
    compute, api = stack("compute"), stack("api")
    acl = props(compute["Resources"]["WebAcl"])
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    groups = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules.values()
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
    } <= groups
    assert rules["rate-per-address"]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    # a 500-sale POS batch is far over the common rule set's 8 KB body limit: that rule only counts
    overrides = rules["aws-common"]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert overrides == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    alb = props(resources(compute, "AWS::WAFv2::WebACLAssociation")["WebAclAssociation"])
    assert alb == {"ResourceArn": {"Ref": "LoadBalancer"}, "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]}}
    stage = props(resources(api, "AWS::WAFv2::WebACLAssociation")["StageWebAcl"])
    assert stage["WebACLArn"] == {"Ref": "WebAclArn"}
    api_stack = props(ROOT["Resources"]["Api"])
    assert api_stack["Parameters"]["WebAclArn"] == {"Fn::GetAtt": ["Compute", "Outputs.WebAclArn"]}
    logging = props(compute["Resources"]["WafLogging"])
    redacted = {field["SingleHeader"]["Name"] for field in logging["RedactedFields"]}
    assert redacted == {"authorization", "cookie"}
    assert props(compute["Resources"]["WafLogGroup"])["LogGroupName"]["Fn::Sub"].startswith("aws-waf-logs-")


def test_worker_scale_in_waits_for_the_drain_which_may_release_only_worker_instances():
    compute = stack("compute")
    [hook] = props(compute["Resources"]["WorkerGroup"])["LifecycleHookSpecificationList"]
    assert hook["LifecycleTransition"] == "autoscaling:EC2_INSTANCE_TERMINATING"
    assert hook["LifecycleHookName"] == drain_worker.HOOK_NAME
    assert hook["DefaultResult"] == "CONTINUE"  # a drain that dies must not keep the instance
    assert hook["HeartbeatTimeout"] > drain_worker.HEARTBEAT_EVERY_SECONDS
    statements = props(compute["Resources"]["WorkerRole"])["Policies"][0]["PolicyDocument"]["Statement"]
    [release] = [s for s in statements if "autoscaling:CompleteLifecycleAction" in as_list(s["Action"])]
    assert release["Condition"]["StringEquals"]["autoscaling:ResourceTag/Role"] == "worker"
    tags = {t["Key"]: t["Value"] for t in props(compute["Resources"]["WorkerGroup"])["Tags"]}
    assert tags["Role"] == "worker"


# --- Redis, Celery and the app's own numbers -------------------------------------------


def test_cache_evicts_lru_and_broker_never_evicts_in_separate_groups():
    data = stack("data")
    groups = resources(data, "AWS::ElastiCache::ReplicationGroup")
    policies = {
        name: props(pg)["Properties"]["maxmemory-policy"]
        for name, pg in resources(data, "AWS::ElastiCache::ParameterGroup").items()
    }
    cache, broker = props(groups["CacheReplicationGroup"]), props(groups["BrokerReplicationGroup"])
    assert policies[cache["CacheParameterGroupName"]["Ref"]] == "allkeys-lru"
    assert policies[broker["CacheParameterGroupName"]["Ref"]] == "noeviction"
    for group in (cache, broker):
        assert group["ClusterMode"] == "disabled"
        assert group["MultiAZEnabled"] is True
        assert group["AutomaticFailoverEnabled"] is True


def test_broker_visibility_timeout_outlasts_the_longest_task():
    longest = max(settings.CELERY_TASK_TIME_LIMIT, settings.CELERY_TASK_SOFT_TIME_LIMIT)
    parameter = ROOT["Parameters"]["BrokerVisibilityTimeout"]
    assert parameter["Default"] > longest
    assert parameter["MinValue"] > longest
    assert stack("compute")["Parameters"]["BrokerVisibilityTimeout"]["Default"] > longest


def test_api_gateway_throttles_each_device_key_at_the_apps_device_rate():
    count, period = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["device"].split("/")
    seconds = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600}[period]
    per_second = int(count) / seconds
    assert ROOT["Parameters"]["DeviceRatePerSecond"]["Default"] == per_second
    assert stack("api")["Parameters"]["DeviceRatePerSecond"]["Default"] == per_second
    plan = props(resources(stack("api"), "AWS::ApiGateway::UsagePlan")["DevicePlan"])
    assert plan["Throttle"]["RateLimit"] == {"Ref": "DeviceRatePerSecond"}
    method = props(resources(stack("api"), "AWS::ApiGateway::Method")["ProxyMethod"])
    assert method["ApiKeyRequired"] is True


# --- IAM -------------------------------------------------------------------------------


def policy_statements():
    for template, name, res in all_resources("AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
        documents = [p["PolicyDocument"] for p in props(res).get("Policies", [])]
        if "PolicyDocument" in props(res):
            documents.append(props(res)["PolicyDocument"])
        for document in documents:
            for statement in document["Statement"]:
                yield f"{template}:{name}", statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_role_grants_wildcard_actions():
    for where, statement in policy_statements():
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), f"{where}: {action}"


def test_wildcard_resources_only_where_the_api_has_no_resource_type_or_a_condition_scopes_it():
    # actions IAM defines with no resource type: "*" is the only resource they take
    unscoped_ok = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "autoscaling:DescribeAutoScalingInstances"}
    for where, statement in policy_statements():
        if "*" in as_list(statement.get("Resource")):
            assert "Condition" in statement or set(as_list(statement["Action"])) <= unscoped_ok, where


def test_redshift_may_copy_from_the_exports_bucket_only():
    role = props(resources(stack("warehouse"), "AWS::IAM::Role")["CopyRole"])
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    for statement in statements:
        assert set(as_list(statement["Action"])) <= {"s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"}
        for resource in as_list(statement["Resource"]):
            assert "ExportsBucketArn" in str(resource)


# --- parameter files -------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((INFRA / "params").glob("*.env")), ids=lambda p: p.name)
def test_parameter_files_name_only_root_parameters(path: Path):
    lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    pairs = dict(line.split("=", 1) for line in lines)
    assert all(" " not in line for line in lines)  # the file is expanded unquoted by the shell
    assert set(pairs) <= set(ROOT["Parameters"])
    required = {name for name, spec in ROOT["Parameters"].items() if "Default" not in spec}
    assert required <= set(pairs)
    assert pairs["EnvironmentName"] == path.stem
    for name, value in pairs.items():
        spec = ROOT["Parameters"][name]
        if "AllowedValues" in spec:
            assert value in [str(v) for v in spec["AllowedValues"]], name
        if "AllowedPattern" in spec:
            assert re.match(spec["AllowedPattern"], value), name
