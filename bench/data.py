"""The benchmarks' data: ``python -m bench.data --scale small|province [--fresh]``.

Builds the PostgreSQL database ``portal_bench_<scale>`` (bench.common.database_url): creates it
if missing (``--fresh`` drops it first), migrates, runs ``seed_demo`` (the demo agencies, the
demo people with the demo password, their cases and referrals), then adds a province of
districts in bulk with set-based SQL (``INSERT ... SELECT generate_series``) and COPY.

What the bulk data holds, and how it stays "as the services would have made it":

- **districts**: district 0 is the demo district (the agencies ``seed_demo`` made: bureau,
  arbitration, procuratorate); districts 1..119 each get their own three member agencies
  (``bureau-d001``, ...) with a group ``agency:<code>`` and number formats, and staff with
  memberships, roles and group membership as ``membership_set`` gives them. Every generated
  row goes to district ``n % 120``, so the demo district holds 1/120 of everything.
- **cases** with claimants (a tenth collective, 2-5 workers, one representative) and claims,
  numbered from the owning agency's format with a per-agency, per-year gap-free sequence
  (the ``NumberSequence`` rows are advanced past what was drawn, so cases made later through
  the services continue the series); the owning agency's group holds ``view_case`` and
  ``change_case`` on each (``grant_case_to_agency``); the acceptance deadline (5 days) is
  started at filing and met at the intake decision, accepted and arbitrating cases carry the
  open award deadline (45 days) started at acceptance (``portal.cases.services.intake``). Due dates
  come from ``portal.core.deadlines.deadline_for`` (the working calendar), one per start day.
- **referrals** between two agencies of one district, kinds matched to receivers
  (``KIND_RECEIVERS``), numbered from the sender's referral format when sent; the sender's
  group may view from the draft on, the receiver's once sent; the acknowledgement (3 working
  days), feedback (30 days) and supplement (10 days) deadlines follow the status, as the
  services start and meet them.
- **conversations** of cases and referrals (``case:<id>``, ``referral:<id>``) with
  **messages** written by staff of the agencies that see the object.

The **open items** for B7 are the open ``Deadline`` rows: most cases are still open (filed,
awaiting material, accepted or in arbitration: a backlog province), so at province scale
the deadline table holds about 10^6 open rows, of which the referral steps are the ones the
statutory overdue sweep acts on. Nothing is notified or escalated yet: the first sweep
is the worst case.

Not generated: audit rows of the bulk data (no page measured here reads them), evidence
files, mediations, meetings, kiosk filings, notifications, read marks.

Counts and timings go to ``bench/results/<scale>/data.json``.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from typing import Any

from bench import common

DISTRICTS = 120
SCALE_SIZES: dict[str, dict[str, int]] = {
    "small": {"cases": 10_000, "referrals": 1_000, "messages": 10_000},
    "province": {"cases": 1_000_000, "referrals": 100_000, "messages": 1_000_000},
}
KINDS = ("bureau", "arbitration", "procuratorate")
# Staff of a generated district agency: (username suffix, roles, title).
STAFF: dict[str, list[tuple[str, list[str], str]]] = {
    "bureau": [
        ("admin", ["agency_admin"], "办公室主任"),
        ("inspector", ["inspector"], "劳动保障监察员"),
        ("mediator", ["mediator"], "调解员"),
        ("leader", ["leader"], "分管副局长"),
    ],
    "arbitration": [
        ("admin", ["agency_admin"], "立案庭负责人"),
        ("mediator", ["mediator"], "调解员"),
        ("arbitrator", ["arbitrator"], "仲裁员"),
    ],
    "procuratorate": [
        ("admin", ["agency_admin"], "民事检察部负责人"),
        ("liaison", ["liaison"], "人民检察联络员"),
    ],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国文斌辉鹏飞宇浩然晓燕志立新海"
TRADES = [
    "建筑劳务",
    "餐饮服务",
    "物业管理",
    "电子科技",
    "服装制造",
    "物流运输",
    "家政服务",
    "装饰工程",
    "保安服务",
    "商贸",
]
MESSAGE_TEXTS = [
    "请协助核实被申请人的工商登记信息。",
    "已与用人单位电话联系，对方同意下周到场调解。",
    "申请人补充了考勤记录和工资条，请查收。",
    "本案涉及农民工欠薪，请优先处理。",
    "检察机关建议同步关注是否存在恶意欠薪情形。",
    "已收到移送材料，正在审查。",
    "请于本周五前反馈办理情况。",
    "调解协议草稿已上传，请各方确认。",
    "用人单位法定代表人联系不上，建议发函。",
    "收到，马上安排。",
]


def log(message: str, started: float) -> None:
    print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)


# --- the database ---------------------------------------------------------------------------


def ensure_database(scale: str, *, fresh: bool) -> bool:
    """Create portal_bench_<scale> (drop it first when fresh); True if it was (re)created."""
    import psycopg

    name = f"portal_bench_{scale}"
    with psycopg.connect(f"{common.PG_SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            return True
    return False


# --- identifiers with valid check digits ------------------------------------------------------


def credit_codes(count: int, rng: random.Random) -> list[str]:
    from portal.core.validators import complete_credit_code

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    codes: set[str] = set()
    while len(codes) < count:
        body = "9144" + f"{rng.randrange(100):02d}" + "".join(rng.choices(alphabet, k=11))
        codes.add(complete_credit_code(body))
    return sorted(codes)


def resident_ids(count: int, rng: random.Random) -> list[str]:
    from portal.core.validators import complete_resident_id

    regions = ["440105", "440106", "440111", "510322", "430426", "452123", "360121", "421003"]
    out = []
    for _ in range(count):
        born = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(14000))
        body = f"{rng.choice(regions)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        out.append(complete_resident_id(body))
    return out


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


# --- steps ----------------------------------------------------------------------------------


def setup_schema(scale: str) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", force=True, if_empty=True, verbosity=0)


def make_districts(rng: random.Random) -> dict[str, Any]:
    """The agencies, groups and staff of districts 1..119 (district 0 is the demo's)."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from portal.core.models import Agency, AgencyKind, Membership, User

    demo = {a.code: a for a in Agency.objects.filter(code__in=KINDS)}
    password = User.objects.get(username="arb.admin").password  # the demo password's hash
    names = {
        "bureau": "人力资源和社会保障局",
        "arbitration": "劳动人事争议仲裁委员会",
        "procuratorate": "人民检察院",
    }
    shorts = {"bureau": "人社局", "arbitration": "仲裁委", "procuratorate": "检察院"}
    case_formats = {
        "bureau": "D{d}人社监案〔{{year}}〕{{seq}}号",
        "arbitration": "D{d}劳人仲案字〔{{year}}〕第{{seq}}号",
        "procuratorate": "D{d}检民〔{{year}}〕{{seq}}号",
    }
    referral_formats = {
        "bureau": "D{d}人社移〔{{year}}〕{{seq}}号",
        "arbitration": "D{d}劳人仲移〔{{year}}〕{{seq}}号",
        "procuratorate": "D{d}检移〔{{year}}〕{{seq}}号",
    }
    with transaction.atomic():
        if Agency.objects.filter(code="bureau-d001").exists():
            raise SystemExit("districts exist already: run with --fresh")
        groups = Group.objects.bulk_create(
            Group(name=f"agency:{kind}-d{d:03d}") for d in range(1, DISTRICTS) for kind in KINDS
        )
        agencies = Agency.objects.bulk_create(
            Agency(
                code=f"{kind}-d{d:03d}",
                name=f"示范省第{d:03d}区{names[kind]}",
                short_name=f"第{d:03d}区{shorts[kind]}",
                kind=AgencyKind.MEMBER,
                group=group,
                case_number_format=case_formats[kind].format(d=f"{d:03d}"),
                referral_number_format=referral_formats[kind].format(d=f"{d:03d}"),
                sort_order=10 + d,
            )
            for (d, kind), group in zip(
                [(d, kind) for d in range(1, DISTRICTS) for kind in KINDS], groups, strict=True
            )
        )
        users: list[User] = []
        roles: list[tuple[str, list[str], str]] = []
        owners: list[Agency] = []
        for agency in agencies:
            kind, district = agency.code.split("-d")
            for suffix, staff_roles, title in STAFF[kind]:
                users.append(
                    User(
                        username=f"d{district}.{kind}.{suffix}",
                        full_name=person_name(rng),
                        email=f"d{district}.{kind}.{suffix}@bench.example.cn",
                        password=password,
                        is_staff="agency_admin" in staff_roles,
                    )
                )
                roles.append((suffix, staff_roles, title))
                owners.append(agency)
        users = User.objects.bulk_create(users)
        Membership.objects.bulk_create(
            Membership(user=user, agency=agency, roles=sorted(staff_roles), title=title)
            for user, agency, (_s, staff_roles, title) in zip(users, owners, roles, strict=True)
        )
        through = User.groups.through
        through.objects.bulk_create(
            through(user_id=user.pk, group_id=agency.group_id)
            for user, agency in zip(users, owners, strict=True)
        )
    # bench_agency: one row per (district, kind) with the agency, its group and its working staff
    rows = []
    for kind in KINDS:
        agency = demo[kind]
        staff = list(
            Membership.objects.filter(agency=agency, active=True)
            .exclude(roles__icontains='"leader"')
            .values_list("user_id", flat=True)
        )
        rows.append((0, kind, agency.pk, agency.group_id, staff))
    by_agency: dict[int, list[int]] = {}
    for user, agency, (_s, staff_roles, _t) in zip(users, owners, roles, strict=True):
        if "leader" not in staff_roles:
            by_agency.setdefault(agency.pk, []).append(user.pk)
    for agency in agencies:
        kind, district = agency.code.split("-d")
        rows.append((int(district), kind, agency.pk, agency.group_id, by_agency[agency.pk]))
    return {"rows": rows, "users": len(users), "agencies": len(agencies)}


def sql(cursor: Any, statement: str, params: Any = None) -> int:
    cursor.execute(statement, params)
    return cursor.rowcount


def bulk(
    sizes: dict[str, int], districts: dict[str, Any], rng: random.Random, started: float
) -> dict[str, int]:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.cases.models import Case
    from portal.core.deadlines import WorkingCalendar, deadline_for
    from portal.core.models import DeadlinePolicy
    from portal.referrals.models import Referral

    counts: dict[str, int] = {}
    n_cases, n_referrals, n_messages = sizes["cases"], sizes["referrals"], sizes["messages"]
    case_ct = ContentType.objects.get_for_model(Case).pk
    referral_ct = ContentType.objects.get_for_model(Referral).pk
    perm = {
        p.codename: p.pk
        for p in Permission.objects.filter(
            codename__in=["view_case", "change_case", "view_referral"]
        )
    }
    policies = {p.key: p for p in DeadlinePolicy.objects.all()}

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            "CREATE TEMP TABLE bench_agency (district int, kind text, agency_id int,"
            " group_id int, staff int[], PRIMARY KEY (district, kind)) ON COMMIT DROP"
        )
        with cur.copy("COPY bench_agency FROM STDIN") as copy:
            for district, kind, agency_id, group_id, staff in districts["rows"]:
                copy.write_row(
                    (district, kind, agency_id, group_id, "{" + ",".join(map(str, staff)) + "}")
                )

        # Due dates exactly as deadline_for draws them, one per policy and start day.
        calendar = WorkingCalendar()
        today = timezone.localdate()
        cur.execute(
            "CREATE TEMP TABLE bench_due (policy_id int, start date, due date, provisional bool,"
            " PRIMARY KEY (policy_id, start)) ON COMMIT DROP"
        )
        with cur.copy("COPY bench_due FROM STDIN") as copy:
            for key in (
                "case.acceptance",
                "arbitration.award",
                "referral.acknowledge",
                "referral.feedback",
                "referral.supplement",
            ):
                policy = policies[key]
                for back in range(-5, 3 * 366 + 10):
                    start = today - datetime.timedelta(days=back)
                    due = deadline_for(policy, start, calendar)
                    copy.write_row((policy.pk, start, due.date, due.provisional))
        log("due dates computed", started)

        # Employers (valid credit codes) and a pool of resident ID numbers.
        n_employers = max(1000, n_cases // 10)
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_employer")
        employer_base = cur.fetchone()[0]
        cur.execute("SELECT credit_code FROM cases_employer")
        taken = {row[0] for row in cur.fetchall()}
        codes = [c for c in credit_codes(n_employers + len(taken), rng) if c not in taken][
            :n_employers
        ]
        with cur.copy(
            "COPY cases_employer (id, name, credit_code, address, created_at) FROM STDIN"
        ) as copy:
            for i, code in enumerate(codes, start=1):
                name = f"示范市{rng.choice('东南西北中新华安康泰')}{rng.choice('鸿运恒昌顺达兴盛')}{TRADES[i % len(TRADES)]}有限公司第{i}分公司"
                copy.write_row(
                    (
                        employer_base + i,
                        name,
                        code,
                        f"示范市第{i % 120:03d}区人民路{i % 900 + 1}号",
                        datetime.datetime.now(datetime.UTC),
                    )
                )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('cases_employer', 'id'), (SELECT max(id) FROM cases_employer))"
        )
        counts["employers"] = len(codes)
        cur.execute(
            "CREATE TEMP TABLE bench_ids (i int PRIMARY KEY, id_number text, name text, phone text) ON COMMIT DROP"
        )
        pool = max(2000, n_cases // 5)
        with cur.copy("COPY bench_ids FROM STDIN") as copy:
            for i, id_number in enumerate(resident_ids(pool, rng)):
                copy.write_row(
                    (
                        i,
                        id_number,
                        person_name(rng),
                        f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                    )
                )
        log(f"{len(codes)} employers, {pool} ID numbers", started)

        # --- cases -------------------------------------------------------------------------
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        case_base = cur.fetchone()[0]
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_case ON COMMIT DROP AS
            SELECT {case_base} + g AS id, g % {DISTRICTS} AS district,
                   (ARRAY['arbitration','arbitration','arbitration','bureau','bureau','procuratorate'])[1 + (hashint4(g) & 2147483647) % 6] AS kind,
                   now() - (random() * interval '1095 days') AS filed_at,
                   random() AS rs, random() AS rc, random() AS rx
            FROM generate_series(1, {n_cases}) g
            """
        )
        cur.execute(
            """
            ALTER TABLE bench_case ADD COLUMN status text, ADD COLUMN agency_id int,
                ADD COLUMN group_id int, ADD COLUMN author int, ADD COLUMN decided_at timestamptz,
                ADD COLUMN claimants int, ADD COLUMN year int;
            UPDATE bench_case c SET
                status = CASE WHEN rs < 0.15 THEN 'filed' WHEN rs < 0.18 THEN 'material_requested'
                              WHEN rs < 0.48 THEN 'accepted' WHEN rs < 0.93 THEN 'arbitrating'
                              WHEN rs < 0.98 THEN 'closed' ELSE 'refused' END,
                agency_id = a.agency_id, group_id = a.group_id,
                author = a.staff[1 + (c.id % array_length(a.staff, 1))],
                claimants = CASE WHEN rc < 0.9 THEN 1 ELSE 2 + (c.id % 4) END,
                year = extract(year FROM c.filed_at AT TIME ZONE 'Asia/Shanghai')::int
            FROM bench_agency a WHERE a.district = c.district AND a.kind = c.kind;
            UPDATE bench_case SET decided_at = least(now(), filed_at + (1 + rx * 4) * interval '1 day')
                WHERE status NOT IN ('filed', 'material_requested');
            """
        )
        # Gap-free numbers per agency and year, after what the sequence handed out already.
        cur.execute(
            f"""
            INSERT INTO cases_case (id, number, tracking_number, claimant_secret_hash, agency_id,
                status, channel, employer_id, facts, is_collective, mediation_consent,
                duplicate_of_id, material_requested, decided_at, refusal_reason, filed_at,
                created_by_id, updated_at, version)
            SELECT c.id,
                   replace(replace(ag.case_number_format, '{{year}}', c.year::text), '{{seq}}',
                       (coalesce(ns.last, 0) + row_number() OVER (PARTITION BY c.agency_id, c.year ORDER BY c.filed_at, c.id))::text),
                   NULL, '', c.agency_id, c.status,
                   CASE WHEN c.kind = 'arbitration' AND c.rx < 0.2 THEN 'referral' ELSE 'staff' END,
                   {employer_base} + 1 + (hashint8(c.id) & 2147483647) % {len(codes)},
                   '申请人称被申请人拖欠工资，经多次催讨未果。', c.claimants > 1, false, NULL,
                   CASE WHEN c.status = 'material_requested' THEN '请补充劳动合同或考勤记录。' ELSE '' END,
                   c.decided_at,
                   CASE WHEN c.status = 'refused' THEN '不属于劳动争议受理范围。' ELSE '' END,
                   c.filed_at, c.author, coalesce(c.decided_at, c.filed_at), 1
            FROM bench_case c JOIN core_agency ag ON ag.id = c.agency_id
            LEFT JOIN core_numbersequence ns ON ns.agency_id = c.agency_id AND ns.series = 'case' AND ns.year = c.year
            """
        )
        counts["cases"] = cur.rowcount
        log(f"{counts['cases']} cases", started)
        cur.execute(
            """
            INSERT INTO core_numbersequence (agency_id, series, year, last)
            SELECT agency_id, 'case', year, count(*) FROM bench_case GROUP BY agency_id, year
            ON CONFLICT (agency_id, series, year)
            DO UPDATE SET last = core_numbersequence.last + EXCLUDED.last
            """
        )
        cur.execute(
            f"""
            INSERT INTO cases_claimant (case_id, name, id_number, phone, address, is_representative)
            SELECT c.id, p.name, p.id_number, p.phone, '示范市人民路' || (c.id % 500) || '号', k = 1
            FROM bench_case c CROSS JOIN LATERAL generate_series(1, c.claimants) k
            JOIN bench_ids p ON p.i = (hashint8(c.id * 8 + k) & 2147483647) % {pool}
            """
        )
        counts["claimants"] = cur.rowcount
        cur.execute(
            """
            INSERT INTO cases_claim (case_id, kind, amount, period_start, period_end, description)
            SELECT c.id,
                   (ARRAY['unpaid_wages','overtime','compensation','double_wages','social_insurance'])[k + (c.id % 4)],
                   round((1000 + (hashint8(c.id * 4 + k) & 65535) * 0.9)::numeric * c.claimants, 2),
                   CASE WHEN k = 1 THEN (c.filed_at - interval '120 days')::date END,
                   CASE WHEN k = 1 THEN (c.filed_at - interval '30 days')::date END, ''
            FROM bench_case c CROSS JOIN LATERAL generate_series(1, 1 + (c.id % 2)) k
            """
        )
        counts["claims"] = cur.rowcount
        log(f"{counts['claimants']} claimants, {counts['claims']} claims", started)
        # grant_case_to_agency: the owning agency's group gets view_case and change_case.
        cur.execute(
            f"""
            INSERT INTO cases_casegroupobjectpermission (permission_id, group_id, content_object_id)
            SELECT p, c.group_id, c.id FROM bench_case c
            CROSS JOIN unnest(ARRAY[{perm["view_case"]}, {perm["change_case"]}]) p
            """
        )
        counts["case_group_permissions"] = cur.rowcount
        log(f"{counts['case_group_permissions']} case permission rows", started)
        # Acceptance deadline from filing (met at the decision); award deadline from acceptance.
        acceptance, award = policies["case.acceptance"].pk, policies["arbitration.award"].pk
        cur.execute(
            f"""
            INSERT INTO core_deadline (policy_id, content_type_id, object_id, started_on, due_on,
                provisional, met_at)
            SELECT {acceptance}, {case_ct}, c.id, d.start, d.due, d.provisional, c.decided_at
            FROM bench_case c JOIN bench_due d ON d.policy_id = {acceptance}
                AND d.start = (c.filed_at AT TIME ZONE 'Asia/Shanghai')::date
            UNION ALL
            SELECT {award}, {case_ct}, c.id, d.start, d.due, d.provisional,
                   CASE WHEN c.status = 'closed' THEN least(now(), c.decided_at + interval '40 days') END
            FROM bench_case c JOIN bench_due d ON d.policy_id = {award}
                AND d.start = (c.decided_at AT TIME ZONE 'Asia/Shanghai')::date
            WHERE c.status IN ('accepted', 'arbitrating', 'closed')
            """
        )
        counts["case_deadlines"] = cur.rowcount
        log(f"{counts['case_deadlines']} case deadlines", started)

        # --- referrals ---------------------------------------------------------------------
        cur.execute("SELECT coalesce(max(id), 0) FROM referrals_referral")
        referral_base = cur.fetchone()[0]
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_ref ON COMMIT DROP AS
            SELECT {referral_base} + g AS id, g % {DISTRICTS} AS district,
                   (hashint4(g * 7) & 2147483647) % 7 AS pick,
                   random() AS rs, random() AS rt
            FROM generate_series(1, {n_referrals}) g
            """
        )
        # kind, sender kind, receiver kind: as KIND_RECEIVERS allows.
        cur.execute(
            """
            ALTER TABLE bench_ref ADD COLUMN kind text, ADD COLUMN sender text, ADD COLUMN receiver text,
                ADD COLUMN status text, ADD COLUMN created_at timestamptz, ADD COLUMN sent_at timestamptz,
                ADD COLUMN step_at timestamptz, ADD COLUMN year int;
            UPDATE bench_ref SET
                kind = (ARRAY['false_arbitration_clue','wage_refusal_crime','wage_arrears_clue','dispute',
                              'prosecution_support','procuratorial_suggestion','wage_arrears_clue'])[pick + 1],
                sender = (ARRAY['arbitration','bureau','arbitration','bureau','bureau','procuratorate','procuratorate'])[pick + 1],
                receiver = (ARRAY['procuratorate','procuratorate','bureau','arbitration','procuratorate','arbitration','bureau'])[pick + 1],
                status = CASE WHEN rs < 0.03 THEN 'draft' WHEN rs < 0.13 THEN 'sent'
                              WHEN rs < 0.18 THEN 'acknowledged' WHEN rs < 0.38 THEN 'accepted'
                              WHEN rs < 0.40 THEN 'supplement_requested' WHEN rs < 0.50 THEN 'feedback_given'
                              WHEN rs < 0.91 THEN 'closed' WHEN rs < 0.96 THEN 'returned' ELSE 'withdrawn' END;
            -- Open steps are recent (their clocks run now); finished ones spread over three years.
            UPDATE bench_ref SET created_at = now() - CASE
                WHEN status IN ('draft', 'sent') THEN rt * interval '12 days'
                WHEN status IN ('acknowledged', 'accepted', 'supplement_requested') THEN rt * interval '45 days'
                ELSE interval '50 days' + rt * interval '1000 days' END;
            UPDATE bench_ref SET
                sent_at = CASE WHEN status <> 'draft' THEN created_at + interval '2 hours' END,
                step_at = CASE WHEN status NOT IN ('draft', 'sent') THEN created_at + interval '1 day' END;
            UPDATE bench_ref SET year = extract(year FROM sent_at AT TIME ZONE 'Asia/Shanghai')::int;
            """
        )
        cur.execute(
            f"""
            INSERT INTO referrals_referral (id, number, sender_agency_id, receiver_agency_id,
                is_external, kind, status, case_id, employer_name, employer_credit_code, workers,
                amount_owed, summary, legal_basis, urgency, author_id, return_reason,
                supplement_request, started_co_handling, created_at, sent_at, updated_at, version)
            SELECT r.id,
                   CASE WHEN r.sent_at IS NULL THEN '' ELSE
                   replace(replace(sa.referral_number_format, '{{year}}', r.year::text), '{{seq}}',
                       (coalesce(ns.last, 0) + row_number() OVER (PARTITION BY s.agency_id, r.year ORDER BY r.sent_at, r.id))::text) END,
                   s.agency_id, v.agency_id, false, r.kind, r.status, NULL,
                   e.name, e.credit_code, 1 + r.id % 30, (5000 + r.id % 200000)::numeric,
                   '用人单位涉嫌拖欠' || (1 + r.id % 30) || '名劳动者工资，请依法处理。', '',
                   CASE WHEN r.id % 10 = 0 THEN 'urgent' ELSE 'normal' END,
                   s.staff[1 + (r.id % array_length(s.staff, 1))],
                   CASE WHEN r.status = 'returned' THEN '不属于本机关管辖。' ELSE '' END,
                   CASE WHEN r.status = 'supplement_requested' THEN '请补充欠薪名册。' ELSE '' END,
                   false, r.created_at, r.sent_at, coalesce(r.step_at, r.sent_at, r.created_at), 1
            FROM bench_ref r
            JOIN bench_agency s ON s.district = r.district AND s.kind = r.sender
            JOIN bench_agency v ON v.district = r.district AND v.kind = r.receiver
            JOIN core_agency sa ON sa.id = s.agency_id
            JOIN cases_employer e ON e.id = {employer_base} + 1 + r.id % {len(codes)}
            LEFT JOIN core_numbersequence ns ON ns.agency_id = s.agency_id AND ns.series = 'referral' AND ns.year = r.year
            """
        )
        counts["referrals"] = cur.rowcount
        cur.execute(
            """
            INSERT INTO core_numbersequence (agency_id, series, year, last)
            SELECT s.agency_id, 'referral', r.year, count(*) FROM bench_ref r
            JOIN bench_agency s ON s.district = r.district AND s.kind = r.sender
            WHERE r.sent_at IS NOT NULL GROUP BY s.agency_id, r.year
            ON CONFLICT (agency_id, series, year)
            DO UPDATE SET last = core_numbersequence.last + EXCLUDED.last
            """
        )
        # The sender's group from the draft on, the receiver's once sent.
        cur.execute(
            f"""
            INSERT INTO referrals_referralgroupobjectpermission (permission_id, group_id, content_object_id)
            SELECT {perm["view_referral"]}, s.group_id, r.id FROM bench_ref r
            JOIN bench_agency s ON s.district = r.district AND s.kind = r.sender
            UNION ALL
            SELECT {perm["view_referral"]}, v.group_id, r.id FROM bench_ref r
            JOIN bench_agency v ON v.district = r.district AND v.kind = r.receiver
            WHERE r.sent_at IS NOT NULL
            """
        )
        counts["referral_group_permissions"] = cur.rowcount
        ack, feedback, supplement = (
            policies["referral.acknowledge"].pk,
            policies["referral.feedback"].pk,
            policies["referral.supplement"].pk,
        )
        # acknowledge: started when sent, met at acknowledgement (open while sent);
        # feedback: started at acceptance, open while accepted, met at feedback;
        # supplement: started when asked, open while supplement_requested.
        cur.execute(
            f"""
            INSERT INTO core_deadline (policy_id, content_type_id, object_id, started_on, due_on,
                provisional, met_at)
            SELECT {ack}, {referral_ct}, r.id, d.start, d.due, d.provisional,
                   CASE WHEN r.status <> 'sent' THEN coalesce(r.step_at, r.sent_at + interval '1 day') END
            FROM bench_ref r JOIN bench_due d ON d.policy_id = {ack}
                AND d.start = (r.sent_at AT TIME ZONE 'Asia/Shanghai')::date
            WHERE r.sent_at IS NOT NULL
            UNION ALL
            SELECT {feedback}, {referral_ct}, r.id, d.start, d.due, d.provisional,
                   CASE WHEN r.status <> 'accepted' THEN r.step_at + interval '20 days' END
            FROM bench_ref r JOIN bench_due d ON d.policy_id = {feedback}
                AND d.start = (r.step_at AT TIME ZONE 'Asia/Shanghai')::date
            WHERE r.status IN ('accepted', 'feedback_given', 'closed')
            UNION ALL
            SELECT {supplement}, {referral_ct}, r.id, d.start, d.due, d.provisional, NULL
            FROM bench_ref r JOIN bench_due d ON d.policy_id = {supplement}
                AND d.start = (r.step_at AT TIME ZONE 'Asia/Shanghai')::date
            WHERE r.status = 'supplement_requested'
            """
        )
        counts["referral_deadlines"] = cur.rowcount
        log(f"{counts['referrals']} referrals, {counts['referral_deadlines']} deadlines", started)

        # --- conversations and messages ----------------------------------------------------
        # A conversation on every referral that was sent and on one case in ten.
        cur.execute("SELECT coalesce(max(id), 0) FROM messaging_conversation")
        conv_base = cur.fetchone()[0]
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_conv ON COMMIT DROP AS
            SELECT {conv_base} + row_number() OVER (ORDER BY src, obj) AS id, * FROM (
                SELECT 1 AS src, c.id AS obj, c.filed_at AS at, a.staff AS staff
                FROM bench_case c JOIN bench_agency a ON a.district = c.district AND a.kind = c.kind
                WHERE c.id % 10 = 0
                UNION ALL
                SELECT 2, r.id, r.sent_at, s.staff || v.staff FROM bench_ref r
                JOIN bench_agency s ON s.district = r.district AND s.kind = r.sender
                JOIN bench_agency v ON v.district = r.district AND v.kind = r.receiver
                WHERE r.sent_at IS NOT NULL
            ) x
            """
        )
        cur.execute(
            """
            INSERT INTO messaging_conversation (id, kind, key, case_id, referral_id, meeting_id, created_at)
            SELECT id, CASE src WHEN 1 THEN 'case' ELSE 'referral' END,
                   CASE src WHEN 1 THEN 'case:' ELSE 'referral:' END || obj,
                   CASE WHEN src = 1 THEN obj END, CASE WHEN src = 2 THEN obj END, NULL, at
            FROM bench_conv
            """
        )
        counts["conversations"] = cur.rowcount
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('messaging_conversation', 'id'), (SELECT max(id) FROM messaging_conversation))"
        )
        cur.execute("SELECT count(*) FROM bench_conv")
        n_conv = cur.fetchone()[0]
        cur.execute("CREATE TEMP TABLE bench_text (i int PRIMARY KEY, body text) ON COMMIT DROP")
        with cur.copy("COPY bench_text FROM STDIN") as copy:
            for i, text in enumerate(MESSAGE_TEXTS):
                copy.write_row((i, text))
        cur.execute("CREATE INDEX ON bench_conv (id)")
        cur.execute(
            f"""
            INSERT INTO messaging_message (conversation_id, author_id, body, reply_to_id,
                ack_requested, attachment, attachment_name, attachment_type, created_at)
            SELECT v.id, v.staff[1 + (g % array_length(v.staff, 1))], t.body, NULL, false, '', '', '',
                   least(now(), v.at + (g / {n_conv}) * interval '3 hours')
            FROM generate_series(0, {n_messages} - 1) g
            JOIN bench_conv v ON v.id = {conv_base} + 1 + g % {n_conv}
            JOIN bench_text t ON t.i = (hashint4(g) & 2147483647) % {len(MESSAGE_TEXTS)}
            ORDER BY g % {n_conv}, g
            """
        )
        counts["messages"] = cur.rowcount
        log(f"{counts['conversations']} conversations, {counts['messages']} messages", started)

        # Explicit ids: move the sequences past them.
        for table in ("cases_case", "referrals_referral"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cur.execute("SELECT count(*) FROM core_deadline WHERE met_at IS NULL")
        counts["open_deadlines"] = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM core_deadline WHERE met_at IS NULL AND content_type_id = %s AND due_on < current_date",
            [referral_ct],
        )
        counts["late_referral_deadlines"] = cur.fetchone()[0]
    return counts


def totals() -> dict[str, int]:
    from django.db import connection

    tables = {
        "agencies": "core_agency",
        "users": "core_user",
        "cases": "cases_case",
        "claimants": "cases_claimant",
        "claims": "cases_claim",
        "case_group_permissions": "cases_casegroupobjectpermission",
        "referrals": "referrals_referral",
        "referral_group_permissions": "referrals_referralgroupobjectpermission",
        "deadlines": "core_deadline",
        "conversations": "messaging_conversation",
        "messages": "messaging_message",
    }
    out = {}
    with connection.cursor() as cur:
        for name, table in tables.items():
            cur.execute(f"SELECT count(*) FROM {table}")
            out[name] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM core_deadline WHERE met_at IS NULL")
        out["open_deadlines"] = cur.fetchone()[0]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=common.SCALES, default="small")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    args = parser.parse_args(argv)
    started = time.monotonic()
    created = ensure_database(args.scale, fresh=args.fresh)
    log(f"database portal_bench_{args.scale} {'created' if created else 'exists'}", started)
    # Tasks the seeding enqueues (e-mails, PDFs) go nowhere: no worker shares this broker.
    common.setup_django(args.scale, CELERY_BROKER_URL="memory://")
    from django.db import connection

    from portal.core.models import Agency

    setup_schema(args.scale)
    log("migrated and seeded the demo", started)
    if Agency.objects.filter(code="bureau-d001").exists():
        log("bulk data present already (use --fresh to rebuild)", started)
        print(totals())
        return 0
    rng = random.Random(42)
    districts = make_districts(rng)
    log(f"{districts['agencies']} district agencies, {districts['users']} staff", started)
    counts = bulk(SCALE_SIZES[args.scale], districts, rng, started)
    load_seconds = time.monotonic() - started
    log("loaded; VACUUM ANALYZE", started)
    connection.close()
    import psycopg

    with psycopg.connect(common.database_url(args.scale), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    total = time.monotonic() - started
    log("done", started)
    result = totals()
    common.write_result(
        "data",
        args.scale,
        "the generated data",
        {
            "figures": {
                "generated": counts,
                "totals": result,
                "districts": DISTRICTS,
                "load_seconds": round(load_seconds, 1),
                "total_seconds": round(total, 1),
            },
            "targets": [],
            "notes": "bench/data.py: districts 1..119 generated, district 0 is seed_demo's; "
            "see the module docstring for what is and is not generated.",
        },
    )
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
