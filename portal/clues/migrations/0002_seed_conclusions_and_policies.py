from django.db import migrations

# The standard conclusions (核处结论) as the portal first ships them, frozen here whatever the
# code says later; admins edit them. code, name, records a payment
CONCLUSIONS = [
    ("paid_in_full", "工资已全额支付", True),
    ("paid_in_part", "部分支付并制定还款计划", True),
    ("to_arbitration", "引导申请劳动争议仲裁", False),
    ("to_procuratorate", "移送检察机关或公安机关", False),
    ("no_violation", "未发现违法行为", False),
    ("not_jurisdiction", "不属于本部门管辖", False),
    ("unreachable", "投诉人无法联系", False),
    ("duplicate", "重复反映", False),
    ("other", "其他", False),
]

# Each source's clocks: the first response and the closing. The platform and the 12345 hotline
# count working days; the other sources count as complaints do under the inspection rules.
# key, name, days, unit, legal basis
POLICIES = [
    ("clue.platform.respond", "欠薪线索首次响应", 1, "working", "国家根治欠薪线索反映平台办理要求"),
    ("clue.platform.close", "欠薪线索核处办结", 10, "working", "国家根治欠薪线索反映平台办理要求"),
    ("clue.hotline.respond", "12345工单签收", 1, "working", "12345政务服务便民热线工单办理规范"),
    ("clue.hotline.close", "12345工单办结", 5, "working", "12345政务服务便民热线工单办理规范"),
    ("clue.other.respond", "投诉受理", 5, "working", "《关于实施〈劳动保障监察条例〉若干规定》第十九条"),
    ("clue.other.close", "投诉案件办结", 60, "working", "《劳动保障监察条例》第十七条"),
]


def seed(apps, schema_editor):
    Conclusion = apps.get_model("clues", "Conclusion")
    for order, (code, name, payment) in enumerate(CONCLUSIONS):
        Conclusion.objects.get_or_create(
            code=code, defaults={"name": name, "records_payment": payment, "sort_order": order}
        )
    DeadlinePolicy = apps.get_model("core", "DeadlinePolicy")
    for key, name, days, unit, basis in POLICIES:
        DeadlinePolicy.objects.get_or_create(
            key=key, defaults={"name": name, "days": days, "unit": unit, "legal_basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("clues", "0001_clues_squads_conclusions"), ("core", "0003_seed_deadline_policies")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
