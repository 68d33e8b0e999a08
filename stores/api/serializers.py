from __future__ import annotations

from rest_framework import serializers

from stores.models import PosDevice, Region, Store


class RegionOut(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class StoreOut(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")

    class Meta:
        model = Store
        fields = [
            "id",
            "code",
            "name",
            "region",
            "timezone",
            "address",
            "format",
            "size_sqm",
            "opened_on",
            "closes_at",
            "is_active",
        ]


class DeviceOut(serializers.ModelSerializer):
    store = serializers.CharField(source="store.code")
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = PosDevice
        fields = ["id", "store", "name", "prefix", "created_at", "last_used_at", "revoked_at", "is_active"]


class DeviceIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class DeviceIssuedOut(DeviceOut):
    key = serializers.CharField(help_text="Shown once: store it in the till now")

    class Meta(DeviceOut.Meta):
        fields = [*DeviceOut.Meta.fields, "key"]


class GrantOut(serializers.Serializer):
    role = serializers.CharField()
    scope = serializers.CharField()
    target = serializers.CharField(allow_null=True)


class MeOut(serializers.Serializer):
    username = serializers.CharField()
    kind = serializers.ChoiceField(choices=["user", "device"])
    store = serializers.CharField(allow_null=True, help_text="The store a device is bound to")
    grants = GrantOut(many=True)
