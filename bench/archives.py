"""Customer archives at scale: list, detail, search and traceability over HTTP.

    .venv/bin/python bench/archives.py [--quick]

One company (made by `tenant_signup`) holding 1,000,000 customer files with 3 contacts each
and 5,000,000 sales-ledger rows (20,000 / 100,000 with --quick), written with COPY straight
into the company's tables. The app runs under gunicorn with production settings and is timed
through persistent HTTP connections as the company admin (a DRF token): first and deep cursor
pages, detail, Chinese, person-name and pinyin search, traceability by batch, throughput of
the list with 4 clients, and the SQL statements of one list request. The baseline is the same
list paginated with OFFSET (a second gunicorn serving `offset_application`), timed alternately
with the cursor pages at the same depths.

Without DATABASE_URL it re-executes itself under `python -m dangan.platform.devservices exec`
(throwaway PostgreSQL). It works in a database of its own, created and dropped here.
DANGAN_BENCH_KEEP=1 keeps that database instead (in var/bench/archives/, or on the server
DATABASE_URL names) and reuses its data on the next run of the same size. One JSON object goes
to stdout; everything else to stderr.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import itertools
import json
import os
import platform as stdlib_platform
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from array import array
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script, bench/ alone is on the path

from bench.lib import processes, runner  # noqa: E402  (after the path is set)
from bench.lib.copying import copy_chunks, dependent_objects, line, row_template, tsvector_literal  # noqa: E402
from bench.lib.http_client import Client, timed_requests  # noqa: E402
from bench.lib.processes import children_of, cpu_seconds, stop  # noqa: E402
from bench.lib.runner import database_url, load_average, log, p95, reexec_under_devservices, summary  # noqa: E402
KEEP = os.environ.get("DANGAN_BENCH_KEEP") == "1"
KEEP_DIR = REPO_ROOT / "var" / "bench" / "archives"
DATA_VERSION = 2  # bump when the generated data changes shape: kept data is then regenerated
SEED = 20260101

FULL = {"customers": 1_000_000, "ledger_rows": 5_000_000, "requests": 300, "warmup": 30, "follow_pages": 500,
        "rps_seconds": 10.0, "deep_offset": 400_000}
QUICK = {"customers": 20_000, "ledger_rows": 100_000, "requests": 60, "warmup": 10, "follow_pages": 60,
         "rps_seconds": 3.0, "deep_offset": 16_000}
CONTACTS_PER_CUSTOMER = 3
ROWS_PER_BATCH = 100  # ledger rows per product batch on average (Poisson: 70–130 rows at this mean)
CHUNK = 10_000  # customers per generation task (ledger: 5×)
VERIFY_PER_CHUNK = 200  # files per chunk whose tokens are checked against document_tokens itself
MAX_TOKEN = 60  # archives.search.MAX_TOKEN
PAGE_SIZE = 50  # CustomerPagination.page_size
CLIENTS = 4
# gunicorn: one worker per core (a request is CPU-bound Python, and one process's threads share
# a GIL), two threads each so a request waiting for PostgreSQL leaves the core to the other; more
# threads would only queue for the GIL. 2 × 2 on the 2-core reference machine. The generation
# processes follow the worker count.
WORKERS, THREADS = len(os.sched_getaffinity(0)), 2

# --------------------------------------------------------------------------------------------
# Vocabularies. A trade name (字号) is two characters from a pool of ~130: one trade name is in a
# few dozen of a million files, so a two-character query is selective, as real ones are.

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
            "姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤")
# A few surnames dominate, as in China (王 and 李 about 7 % each).
SURNAME_CUMULATIVE = list(itertools.accumulate(1 / (rank + 3) for rank in range(1, len(SURNAMES) + 1)))
GIVEN = ("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 英 华 玲 斌 宇 浩 凯 鹏 辉 鑫 婷 雪 颖 琳 倩 慧 欣 悦 "
         "佳 怡 俊 博 晨 阳 帆 飞 亮 波 峰 宁 健 毅 琴 燕 萍 红 梅 兰 芬 莉 蓉 薇 桂英 秀英 秀兰 玉兰 建华 建国 建军 "
         "志强 志明 海燕 海涛 小红 晓东 晓明 丽娟 丽华 春梅 金凤 子涵 子轩 浩然 宇轩 梓涵 欣怡 雨涵 思远 国强 国庆 "
         "文静 文华 振华 德明 德华 家豪 嘉怡 佳琪 雅琴 美玲 婉婷 俊杰 志伟 伟东 立新 红霞 玉梅 凤英 淑珍 淑华 桂兰 "
         "秀珍 春燕 晓燕 晓丽 丽萍 海波 永刚 永强 少华 天宇 一鸣 若曦 诗涵 梦琪 紫萱 明轩 昊天 博文 睿 泽宇").split()
TRADE_CHARS = "".join(dict.fromkeys(
    "华康瑞泰恒通达盛鑫源宏昌隆兴丰顺安信诚德仁和美佳利嘉宝金银鼎富荣祥福润泽天海龙凤云峰明光辉正新远博创科联合众力"
    "久永益民生健寿春晖旭东方南北中夏乾坤星辰宇航君豪禾百川千禧万象一品双林三元四五洲六七九州立志致卓越凯旋腾飞启同济"
    "世惠普宁怡"))
# city/province ("" for municipalities)/region code of the seeded 六大片区
CITIES = [tuple(entry.split("/")) for entry in (
    "北京//north 天津//north 石家庄/河北省/north 保定/河北省/north 太原/山西省/north 呼和浩特/内蒙古自治区/north "
    "郑州/河南省/north 洛阳/河南省/north 沈阳/辽宁省/northeast 大连/辽宁省/northeast 长春/吉林省/northeast "
    "哈尔滨/黑龙江省/northeast 大庆/黑龙江省/northeast 上海//east 南京/江苏省/east 苏州/江苏省/east 无锡/江苏省/east "
    "常州/江苏省/east 杭州/浙江省/east 宁波/浙江省/east 温州/浙江省/east 嘉兴/浙江省/east 合肥/安徽省/east "
    "南昌/江西省/east 济南/山东省/east 青岛/山东省/east 烟台/山东省/east 福州/福建省/south 厦门/福建省/south "
    "泉州/福建省/south 广州/广东省/south 深圳/广东省/south 佛山/广东省/south 东莞/广东省/south 珠海/广东省/south "
    "南宁/广西壮族自治区/south 海口/海南省/south 武汉/湖北省/south 宜昌/湖北省/south 长沙/湖南省/south "
    "重庆//southwest 成都/四川省/southwest 绵阳/四川省/southwest 贵阳/贵州省/southwest 昆明/云南省/southwest "
    "拉萨/西藏自治区/southwest 西安/陕西省/northwest 兰州/甘肃省/northwest 西宁/青海省/northwest "
    "银川/宁夏回族自治区/northwest 乌鲁木齐/新疆维吾尔自治区/northwest").split()]
DISTRICTS = "城关区 高新区 经济开发区 新城区 老城区 滨江区 江北区 城南区 城北区 西湖区".split()
ROADS = ("人民路 解放路 中山路 建设路 和平路 胜利路 文化路 新华路 长江路 黄河路 朝阳路 延安路 学府路 工业园路 花园路 "
         "东风路 青年路 健康路 幸福路 光明路 金融街 世纪大道 南京路 北京路 迎宾大道 滨河路 站前路 府前街 公园路 振兴路").split()
# category code → share of files; company name patterns ({c} city, {t} trade name); people for the rest
CATEGORY_MIX = {"jxs": 25, "yy": 8, "yd": 15, "lss": 12, "gr": 15, "gf": 10, "cz": 10, "px": 5}
NAME_PATTERNS = {
    "jxs": "{c}{t}医药有限公司 {c}{t}药业有限公司 {c}{t}医疗器械有限公司 {c}{t}生物科技有限公司 {c}{t}兽药有限责任公司 "
           "{c}{t}商贸有限公司 {c}{t}医药股份有限公司 {c}{t}健康科技有限公司".split(),
    "yy": "{c}{t}医院 {c}{t}中医医院 {c}{t}妇产医院 {c}{t}口腔医院 {c}{t}骨科医院".split(),
    "yd": "{c}{t}大药房 {c}{t}大药房连锁有限公司 {c}{t}堂药店 {c}{t}医药零售有限公司".split(),
    "lss": "{c}{t}商行 {c}{t}超市有限公司 {c}{t}便利店 {c}{t}日用百货商店".split(),
}
INDUSTRY_OF = {"jxs": "pharma", "yy": "health", "yd": "pharma", "lss": "trade", "gr": "other", "gf": "realestate",
               "cz": "auto", "px": "training"}
COMPANY_POSITIONS = "总经理 采购经理 财务 药剂科主任 店长 业务主管 仓库管理员".split()
PERSON_POSITIONS = "本人 配偶 子女 紧急联系人".split()
MAIL_DOMAINS = "163.com qq.com 126.com sina.com 139.com foxmail.com".split()
SALES_DEPARTMENTS, SALESPEOPLE_PER_DEPARTMENT = ["sales1", "sales2", "sales3", "sales4"], 10
MEDICINES = ("阿莫西林胶囊 布洛芬缓释胶囊 复方甘草片 维生素C片 板蓝根颗粒 感冒灵颗粒 头孢克肟分散片 氯化钠注射液 "
             "葡萄糖注射液 阿司匹林肠溶片 蒙脱石散 奥美拉唑肠溶胶囊 连花清瘟胶囊 藿香正气水 六味地黄丸 双黄连口服液 "
             "氨溴索口服液 甲硝唑片 硝苯地平缓释片 二甲双胍片 恩诺沙星注射液 伊维菌素溶液 阿苯达唑片 盐酸多西环素片 "
             "替米考星预混剂 氟苯尼考粉 黄芪多糖注射液 医用外科口罩 一次性注射器 医用脱脂棉 碘伏消毒液 创可贴 "
             "电子体温计 血糖试纸 医用纱布块 酒精棉片 退热贴 钙尔奇D片 复合维生素片 鱼油软胶囊").split()
SPECS = [("0.25g×24粒", "盒"), ("0.5g×12片", "盒"), ("10ml×10支", "支"), ("100ml/瓶", "瓶"), ("500g/袋", "袋")]
MANUFACTURERS = ("华北制药股份有限公司 哈药集团制药总厂 石药集团欧意药业有限公司 修正药业集团股份有限公司 "
                 "太极集团重庆涪陵制药厂有限公司 瑞普（天津）生物药业有限公司 齐鲁动物保健品有限公司 "
                 "江西洪达医疗器械集团有限公司 稳健医疗用品股份有限公司 云南白药集团股份有限公司").split()
EPOCH_START = dt.datetime(2021, 1, 1, tzinfo=dt.timezone.utc).timestamp()
EPOCH_END = dt.datetime(2025, 12, 31, tzinfo=dt.timezone.utc).timestamp()
LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai: archive numbers carry the local year


def run_on_kept_cluster() -> int:
    """DANGAN_BENCH_KEEP=1 without DATABASE_URL: a PostgreSQL whose data folder outlives the run."""
    return runner.run_on_kept_cluster(__file__, KEEP_DIR / "postgres")


# --------------------------------------------------------------------------------------------
# Search tokens: what archives/search.py's document_tokens makes of each text, from memoized
# pypinyin readings (~80 µs a call; people's names repeat, addresses share prefixes). Every
# chunk checks its first VERIFY_PER_CHUNK files against document_tokens itself.


@lru_cache(maxsize=300_000)
def reading(text: str) -> tuple[frozenset, str, str]:
    """(CJK characters, pairs and pinyin syllables; full pinyin; initials) of a text without digits."""
    from pypinyin import lazy_pinyin

    from dangan.archives.search import cjk_ngrams

    syllables = lazy_pinyin(text, errors="ignore")
    return (frozenset(cjk_ngrams(text).union(syllables)), "".join(syllables).lower(),
            "".join(s[:1] for s in syllables).lower())


def name_tokens(text: str) -> set:
    base, full, initials = reading(text)
    return {*base, full[:MAX_TOKEN], initials[:MAX_TOKEN]}


def address_tokens(prefix: str, number: int) -> set:
    """Tokens of f"{prefix}{number}号": the digits split the CJK runs, which pypinyin reads apart."""
    base, full, initials = reading(prefix)
    return {*base, "号", "hao", str(number), (full + "hao")[:MAX_TOKEN], (initials + "h")[:MAX_TOKEN]}


def _verify(number: str, name: str, texts: list[str], tokens: set) -> None:
    from dangan.archives import search

    expected = set(search.document_tokens(archive_number=number, name=name, texts=texts))
    if expected != tokens - {""} or reading(name)[1:] != (search.pinyin_full(name), search.pinyin_initials(name)):
        raise AssertionError(f"search tokens differ from document_tokens for {name}: missing "
                             f"{sorted(expected - tokens)[:10]}, extra {sorted(tokens - expected)[:10]}")


# --------------------------------------------------------------------------------------------
# Data. The main process decides what needs sequential state (category, city, creation time,
# archive number); forked workers make the COPY text of one chunk each.

_SHARED: dict = {}


def _timestamp(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(sep=" ")


def _date(epoch: float) -> dt.date:
    return dt.datetime.fromtimestamp(epoch + LOCAL_OFFSET, dt.timezone.utc).date()


def person_name(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=SURNAME_CUMULATIVE)[0] + rng.choice(GIVEN)


def plan_customers(count: int, ids: dict) -> None:
    """Category, city, creation time and archive number of every file, in creation (id) order."""
    from dangan.archives import numbering

    rng = random.Random(SEED)
    codes = list(CATEGORY_MIX)
    categories = array("b", (codes.index(c) for c in rng.choices(codes, weights=list(CATEGORY_MIX.values()), k=count)))
    cities = array("b", (rng.randrange(len(CITIES)) for _ in range(count)))
    step = (EPOCH_END - EPOCH_START) / count
    created = array("d", (EPOCH_START + i * step + rng.random() * step * 0.9 for i in range(count)))  # unique
    numbers, sequences, scopes = [], {}, {}
    for i in range(count):
        key = code, region, year = codes[categories[i]], CITIES[cities[i]][2], _date(created[i]).year
        if key not in scopes:  # rendered as numbering.next_archive_number renders them
            values = {"category": code.upper(), "region": region.upper(), "dept": "NA", "yyyy": f"{year:04d}",
                      "yy": f"{year % 100:02d}", "mm": "01"}
            pattern = ids["patterns"][code]
            scope = numbering.TOKEN.sub(lambda m: "{seq}" if m.group(1) == "seq" else values[m.group(1)], pattern)
            scopes[key] = scope, next(int(w or 0) for name, w in numbering.TOKEN.findall(pattern) if name == "seq")
        scope, width = scopes[key]
        seq = sequences[scope] = sequences.get(scope, 0) + 1
        numbers.append(scope.replace("{seq}", str(seq).zfill(width)))
    _SHARED.update(categories=categories, cities=cities, created=created, numbers=numbers, sequences=sequences,
                   codes=codes, ids=ids)


def generate_customers(bounds: tuple[int, int]) -> tuple[bytes, bytes, list, list, bytes]:
    """COPY text of files [start, end) (id = index + 1) and their contacts; names, phones, owners."""
    from dangan.archives.search import ascii_words

    start, end = bounds
    shared, ids = _SHARED, _SHARED["ids"]
    rng = random.Random(SEED * 7 + start)
    customers, contacts, names, phones, owners = [], [], [], [], bytearray()
    for i in range(start, end):
        code, number = shared["codes"][shared["categories"][i]], shared["numbers"][i]
        city, province, region = CITIES[shared["cities"][i]]
        created, individual = shared["created"][i], code not in NAME_PATTERNS
        name = person_name(rng) if individual else \
            rng.choice(NAME_PATTERNS[code]).format(c=city, t=rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS))
        owner = rng.randrange(len(ids["salespeople"]))
        owner_id, department_id = ids["salespeople"][owner]
        prefix, house = f"{province}{city}市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}", rng.randint(1, 999)
        tokens = {*ascii_words(number), *name_tokens(name), *address_tokens(prefix, house)}
        texts = [f"{prefix}{house}号"]
        for k in range(CONTACTS_PER_CUSTOMER):
            contact = name if individual and k == 0 else person_name(rng)
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            local, domain = f"{reading(contact)[1]}{rng.randrange(100)}", rng.choice(MAIL_DOMAINS)
            email = f"{local}@{domain}"
            # ascii_words of a phone: itself and its last four digits; of an e-mail: itself and its parts
            tokens.update(name_tokens(contact), (phone, phone[-4:], email, local), domain.split("."))
            texts += [contact, phone, email]
            contacts.append(line(shared["contact_template"], {
                "id": str(i * CONTACTS_PER_CUSTOMER + k + 1), "customer_id": str(i + 1), "name": contact,
                "phone": phone, "email": email, "is_primary": "t" if k == 0 else "f", "sort": str(k),
                "position": rng.choice(PERSON_POSITIONS if individual else COMPANY_POSITIONS)}))
            if k == 0:
                phones.append(phone)
        if i - start < VERIFY_PER_CHUNK:
            _verify(number, name, texts, tokens)
        customers.append(line(shared["customer_template"], {
            "id": str(i + 1), "archive_number": number, "name": name, "address": texts[0],
            "kind": "individual" if individual else "enterprise", "category_id": str(ids["categories"][code]),
            "region_id": str(ids["terms"]["region"][region]),
            "industry_id": str(ids["terms"]["industry"][INDUSTRY_OF[code]]),
            "grade_id": str(rng.choice(list(ids["terms"]["grade"].values()))),
            "customer_type_id": str(rng.choice(list(ids["terms"]["customer_type"].values()))),
            "department_id": str(department_id), "owner_id": str(owner_id), "created_by_id": str(owner_id),
            "is_key_customer": "t" if rng.random() < 0.05 else "f",
            "name_pinyin": reading(name)[1], "name_initials": reading(name)[2], "search_vector": tsvector_literal(tokens),
            **({} if individual else {
                "company_size": rng.choice(["micro", "small", "medium", "large"]),
                "legal_representative": person_name(rng), "credit_status": rng.choice(["良好", "一般", "优秀", "较差"]),
                "cooperation_attitude": rng.choice(["积极配合", "一般", "有待加强"]), "service_area": f"{city}及周边"}),
            **_life_cycle(rng, code, created, department_id, ids)}))
        names.append(name)
        owners.append(owner)
    return ("\n".join(customers) + "\n").encode(), ("\n".join(contacts) + "\n").encode(), names, phones, bytes(owners)


def _life_cycle(rng: random.Random, code: str, created: float, department_id: int, ids: dict) -> dict:
    """State and the dates and people of the life cycle up to it; older files are mostly filed."""
    age = max(0, int((EPOCH_END - created) / 86400))
    roll = rng.random()
    state = rng.choice(["draft", "submitted", "returned", "approved"]) if age < 20 else \
        "filed" if roll < 0.78 else "archived" if roll < 0.9 else "approved" if roll < 0.95 else \
        "submitted" if roll < 0.97 else "returned" if roll < 0.98 else "draft"
    day = _date(created)
    values = {"state": state, "created_at": _timestamp(created),
              "updated_at": _timestamp(created + rng.random() * 86400 * min(age, 300)),
              "first_contact_on": (day - dt.timedelta(days=rng.randrange(7))).isoformat(),
              "creation_due_on": (day + dt.timedelta(days=7)).isoformat(),
              "last_activity_on": (day + dt.timedelta(days=rng.randrange(age + 1))).isoformat()}
    values["trading_since"] = values["first_contact_on"]
    if state != "draft":
        values["submitted_at"] = _timestamp(created + 3600)
    if state == "returned":
        values["returned_reason"] = "资料不全，请补充营业执照复印件"
    if state in ("approved", "filed", "archived"):
        values.update(approved_by_id=str(ids["supervisors"][department_id]), approved_at=_timestamp(created + 86400))
    if state in ("filed", "archived"):
        interval = 90 if code in ("jxs", "yy", "yd", "lss") else 365
        reviewed = day + dt.timedelta(days=(age // interval) * interval)
        values.update(filed_by_id=str(ids["custodian"]), custodian_id=str(ids["custodian"]),
                      filed_at=_timestamp(created + 2 * 86400), last_reviewed_on=reviewed.isoformat(),
                      next_review_on=(reviewed + dt.timedelta(days=interval)).isoformat(),
                      review_overdue="t" if state == "filed" and rng.random() < 0.08 else "f")
    if state == "archived":
        values["archived_at"] = _timestamp(created + min(age, 800) * 86400)
    return values


def plan_batches(ledger_rows: int) -> list[tuple[str, int, dt.date]]:
    rng = random.Random(SEED + 1)
    batches = []
    for index in range(max(1, ledger_rows // ROWS_PER_BATCH)):
        produced = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(1700))
        batches.append((f"{produced:%Y%m%d}-{index:05d}", rng.randrange(len(MEDICINES) * len(SPECS)), produced))
    return batches


def generate_ledger(bounds: tuple[int, int]) -> bytes:
    """COPY text of ledger rows [start, end): 85 % to companies, each row from a random batch."""
    start, end = bounds
    shared, ids = _SHARED, _SHARED["ids"]
    rng = random.Random(SEED * 11 + start)
    names, phones, owners, batches, companies = (shared[k] for k in ("names", "phones", "owners", "batches",
                                                                     "companies"))
    lines = []
    for row_id in range(start + 1, end + 1):
        index = rng.choice(companies) if rng.random() < 0.85 else rng.randrange(len(names))
        batch, product, produced = batches[rng.randrange(len(batches))]
        medicine, (specification, packaging) = MEDICINES[product // len(SPECS)], SPECS[product % len(SPECS)]
        sold, shelf = produced + dt.timedelta(days=rng.randrange(300)), rng.choice([24, 36])
        owner_id, department_id = ids["salespeople"][owners[index]]
        lines.append(line(shared["ledger_template"], {
            "id": str(row_id), "customer_id": str(index + 1), "sale_date": sold.isoformat(),
            "buyer_name": names[index], "buyer_contact": phones[index], "voucher_number": f"XS{sold:%Y%m%d}{row_id:08d}",
            "page": str(row_id // 40 + 1), "manufacturer": MANUFACTURERS[product % len(MANUFACTURERS)],
            "shipping_batch": str(rng.randint(1, 12)), "sales_department": ids["department_names"][department_id],
            "salesperson": ids["user_names"][owner_id], "sales_type": "export" if rng.random() < 0.04 else "domestic",
            "item_number": f"HP{product:05d}", "product_name": medicine, "packaging": packaging,
            "specification": specification, "quantity": f"{rng.randint(1, 500)}.000", "cartons": str(rng.randint(1, 40)),
            "product_batch": batch, "shelf_life_months": str(shelf),
            "expiry_date": (produced + dt.timedelta(days=shelf * 30)).isoformat(), "created_by_id": str(owner_id),
            "created_at": f"{sold.isoformat()} 10:00:00+08", "updated_at": f"{sold.isoformat()} 10:00:00+08"}))
    return ("\n".join(lines) + "\n").encode()


# --------------------------------------------------------------------------------------------
# Setup: database, company, people, data


def setup_django() -> float:
    """Django set up on this bench's own database (kept with DANGAN_BENCH_KEEP=1); seconds spent migrating."""
    return runner.setup_django("dangan_bench_archives_keep" if KEEP else f"dangan_bench_archives_{os.getpid()}",
                               keep=KEEP)


def company(size: dict):
    """The bench company, and whether its data is complete (DANGAN_BENCH_KEEP=1 reuses it)."""
    from django.db import connection

    from dangan.tenants.models import Plan, Tenant
    from dangan.tenants.services import tenant_signup

    slug = f"bench{size['customers']}v{DATA_VERSION}"
    marker = f"dangan bench archives {size['customers']} {size['ledger_rows']} v{DATA_VERSION} complete"
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT obj_description(%s::regnamespace, 'pg_namespace')", [tenant.schema_name])
            if cursor.fetchone()[0] == marker:
                return tenant, marker, True
            log(f"dropping the incomplete kept company {slug}")
            cursor.execute(f'DROP SCHEMA "{tenant.schema_name}" CASCADE')
        tenant.domains.all().delete()
        Tenant.objects.filter(pk=tenant.pk).delete()
    # The enterprise plan: the trial's 10,000 API calls a day would end the bench in 429s.
    tenant = tenant_signup(company_name="基准医药集团有限公司", slug=slug, admin_name="基准 管理员",
                           admin_email=f"admin@{slug}.example.com", admin_password=secrets.token_urlsafe(18),
                           plan=Plan.objects.get(code="enterprise"))
    return tenant, marker, False


def make_people(tenant) -> dict:
    """Ten salespeople and a supervisor in each sales department, a custodian; the admin's token."""
    from django.contrib.auth.models import Group
    from django_tenants.utils import schema_context
    from rest_framework.authtoken.models import Token

    from dangan.accounts import roles
    from dangan.accounts.models import User
    from dangan.archives.models import ArchiveCategory, ClassificationTerm, Department

    with schema_context(tenant.schema_name):
        departments = {d.code: d for d in Department.objects.all()}
        if not User.objects.filter(email="custodian@bench.example.com").exists():
            groups = {g.name: g for g in Group.objects.all()}
            custodian = User.objects.create_user(email="custodian@bench.example.com", full_name="档案 管理员")
            custodian.groups.add(groups[roles.CUSTODIAN])
            for n, code in enumerate(SALES_DEPARTMENTS, start=1):
                supervisor = User.objects.create_user(email=f"supervisor{n}@bench.example.com",
                                                      full_name=f"{SURNAMES[n]}主管")
                team = User.objects.bulk_create([User(
                    email=f"sales{n}-{k + 1}@bench.example.com", password="!",  # never signs in
                    full_name=SURNAMES[(n * 10 + k + 5) % len(SURNAMES)] + GIVEN[(n * 7 + k) % len(GIVEN)])
                    for k in range(SALESPEOPLE_PER_DEPARTMENT)])
                departments[code].manager = supervisor
                departments[code].save(update_fields=["manager"])
                departments[code].members.add(supervisor, *team)
                supervisor.groups.add(groups[roles.SUPERVISOR])
                groups[roles.SALESPERSON].user_set.add(*team)
        salespeople, supervisors = [], {}
        for n, code in enumerate(SALES_DEPARTMENTS, start=1):
            pk = departments[code].pk
            supervisors[pk] = User.objects.get(email=f"supervisor{n}@bench.example.com").pk
            salespeople += [(user, pk) for user in User.objects.filter(
                email__startswith=f"sales{n}-").order_by("pk").values_list("pk", flat=True)]
        terms = {}
        for scheme, term, pk in ClassificationTerm.objects.values_list("scheme__code", "code", "pk"):
            terms.setdefault(scheme, {})[term] = pk
        admin = User.objects.get(email=tenant.admin_email)
        return {
            "token": Token.objects.get_or_create(user=admin)[0].key, "admin_id": admin.pk,
            "salespeople": salespeople, "supervisors": supervisors, "terms": terms,
            "custodian": User.objects.get(email="custodian@bench.example.com").pk,
            "categories": dict(ArchiveCategory.objects.values_list("code", "pk")),
            "patterns": dict(ArchiveCategory.objects.values_list("code", "numbering_pattern")),
            "department_names": {d.pk: d.name for d in departments.values()},
            "user_names": dict(User.objects.values_list("pk", "full_name")),
        }


def load_data(tenant, people: dict, size: dict, marker: str) -> dict:
    """COPY the generated files, contacts and ledger into the company's tables."""
    import multiprocessing

    import psycopg

    from dangan.archives.models import Contact, Customer, SalesLedgerEntry

    timings = {}
    tables = [f'"{tenant.schema_name}".{t}' for t in ("archives_customer", "archives_contact",
                                                       "archives_salesledgerentry")]
    count, ledger_rows = size["customers"], size["ledger_rows"]
    started = time.perf_counter()
    plan_customers(count, people)
    _SHARED.update(customer_template=row_template(Customer, custom_fields="{}"), contact_template=row_template(Contact),
                   ledger_template=row_template(SalesLedgerEntry))
    fork = multiprocessing.get_context("fork")  # workers inherit _SHARED; nothing is pickled to them
    with psycopg.connect(database_url()) as conn, conn.cursor() as cursor:
        drops, creates = dependent_objects(cursor, tables)
        for statement in drops:
            cursor.execute(statement)
        # Emptied in this transaction, so COPY … FREEZE writes rows already frozen and visible:
        # no hint-bit rewrite and no long VACUUM afterwards.
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        contacts, names, phones, owners = [], [], [], bytearray()

        def customer_chunk(chunk) -> bytes:
            contacts.append(chunk[1])
            names.extend(chunk[2])
            phones.extend(chunk[3])
            owners.extend(chunk[4])
            return chunk[0]

        with fork.Pool(WORKERS) as pool:
            bounds = [(start, min(count, start + CHUNK)) for start in range(0, count, CHUNK)]
            copy_chunks(cursor, tables[0], Customer, pool.imap(generate_customers, bounds), customer_chunk)
        copy_chunks(cursor, tables[1], Contact, contacts, lambda chunk: chunk)
        timings["customers_s"] = time.perf_counter() - started
        started = time.perf_counter()
        codes, categories = _SHARED["codes"], _SHARED["categories"]
        _SHARED.update(names=names, phones=phones, owners=bytes(owners), batches=plan_batches(ledger_rows),
                       companies=[i for i in range(count) if codes[categories[i]] in NAME_PATTERNS])
        del contacts
        with fork.Pool(WORKERS) as pool:
            bounds = [(start, min(ledger_rows, start + 5 * CHUNK)) for start in range(0, ledger_rows, 5 * CHUNK)]
            copy_chunks(cursor, tables[2], SalesLedgerEntry, pool.imap(generate_ledger, bounds), lambda chunk: chunk)
        timings["ledger_s"] = time.perf_counter() - started
        for table in tables:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))", [table])
        cursor.executemany(f'INSERT INTO "{tenant.schema_name}".archives_numbersequence (scope, last_value) '
                           "VALUES (%s, %s) ON CONFLICT (scope) DO UPDATE SET last_value = EXCLUDED.last_value",
                           list(_SHARED["sequences"].items()))
        conn.commit()
        _SHARED.clear()

        started = time.perf_counter()
        conn.autocommit = True
        cursor.execute("SET maintenance_work_mem = '1GB'")  # this session only: one-pass index sorts
        for statement in creates:
            step = time.perf_counter()
            cursor.execute(statement)
            if time.perf_counter() - step > 5:
                log(f"  {time.perf_counter() - step:5.1f} s  {statement[:100]}")
        timings["indexes_s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
        timings["vacuum_analyze_s"] = time.perf_counter() - started
        cursor.execute(f"COMMENT ON SCHEMA \"{tenant.schema_name}\" IS '{marker}'")  # plain ASCII
    return {key: round(value, 1) for key, value in timings.items()}


# --------------------------------------------------------------------------------------------
# HTTP


def start_gunicorn(app: str, port: int) -> subprocess.Popen:
    return processes.start_gunicorn(app, port, workers=WORKERS, threads=THREADS, env={"DATABASE_URL": database_url()})


# The OFFSET baseline: CustomerListApi with the same selector, filters and the stock serializer,
# paginated by OFFSET (without COUNT), at one extra route. Served as
# `bench.archives:offset_application`, whose URLconf is this module.

_offset_app = None


def __getattr__(name: str):
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import path
    from rest_framework.response import Response

    from dangan.api.archives.customers import CustomerListApi, parse_filters
    from dangan.api.archives.serializers import CustomerListOutput
    from dangan.archives import selectors
    from dangan.platform import urls_tenant

    class OffsetCustomerListApi(CustomerListApi):
        def get(self, request):
            customers = selectors.customer_list(user=request.user, filters=parse_filters(request))
            offset = int(request.query_params.get("offset", 0))
            page = list(customers[offset:offset + PAGE_SIZE + 1])
            return Response({"next": f"?offset={offset + PAGE_SIZE}" if len(page) > PAGE_SIZE else None,
                             "previous": None, "results": CustomerListOutput(page[:PAGE_SIZE], many=True).data})

    return [path("api/v1/bench-offset/customers/", OffsetCustomerListApi.as_view()), *urls_tenant.urlpatterns]


def offset_application(environ, start_response):
    global _offset_app
    if _offset_app is None:
        from django.conf import settings
        from django.core.wsgi import get_wsgi_application

        settings.ROOT_URLCONF = "bench.archives"
        _offset_app = get_wsgi_application()
    return _offset_app(environ, start_response)


# --------------------------------------------------------------------------------------------
# Measurements


def samples_from_db(tenant, size: dict) -> dict:
    """Query values that exist: trade names, person names, initials, batches, ids, a deep position."""
    import psycopg

    rng = random.Random(SEED + 2)
    count = size["customers"]
    with psycopg.connect(database_url()) as conn, conn.cursor() as cursor:
        cursor.execute(f'SET search_path TO "{tenant.schema_name}"')
        cursor.execute("SET TIME ZONE 'UTC'")  # positions print as Django's UTC datetimes do
        cursor.execute("SELECT name, kind FROM archives_customer WHERE id = ANY(%s)",
                       [[rng.randrange(1, count + 1) for _ in range(3000)]])
        trade, people = [], []
        for name, kind in cursor.fetchall():
            if kind == "enterprise":
                city = next(c for c, _, _ in CITIES if name.startswith(c))
                trade.append(name[len(city):len(city) + 2])
            else:
                people.append(name)
        cursor.execute("SELECT DISTINCT product_batch FROM archives_salesledgerentry WHERE id = ANY(%s)",
                       [rng.sample(range(1, size["ledger_rows"] + 1), 1000)])
        batches = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT id, created_at FROM archives_customer ORDER BY created_at DESC, id DESC "
                       "OFFSET %s LIMIT 2", [size["deep_offset"] - 1])
        (_, before), (deep_id, _) = cursor.fetchall()
    return {"trade": trade, "people": [name[:2] for name in people], "batches": batches, "deep_id": deep_id,
            "initials": [reading(name)[2][:2] for name in people], "deep_position": str(before),
            "detail_ids": [rng.randrange(1, count + 1) for _ in range(size["requests"] + size["warmup"])]}


def cursor_path(position: str) -> str:
    """The cursor DRF hands out for the page after `position` (CursorPagination.encode_cursor)."""
    token = base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")
    return f"/api/v1/customers/?{urlencode({'cursor': token})}"


def measure_api(client: Client, offset: Client, size: dict, samples: dict) -> tuple[dict, dict, dict]:
    """The list (cursor pages, OFFSET pages on `offset` alternating with them), detail, searches."""
    rng = random.Random(SEED + 3)
    n, warmup = size["requests"], size["warmup"]
    metrics, baseline, params = {}, {}, {}
    first, by_offset = "/api/v1/customers/", "/api/v1/bench-offset/customers/"

    def side_by_side(name: str, path: str, depth: int, baseline_count: int) -> None:
        ours, theirs = timed_requests(client, [path] * (warmup + n), warmup,
                                      (offset, [f"{by_offset}?offset={depth}"] * (3 + baseline_count), 3))
        metrics.update(summary(name, ours))
        baseline.update(summary(name, theirs))

    side_by_side("list_first_page", first, 0, n)
    # Follow `next` the way a client pages down, then time that deep cursor URL.
    url, started = first, time.perf_counter()
    for _ in range(size["follow_pages"]):
        url = "?".join(urlsplit(client.json(url)["next"])[2:4])
    params["deep_cursor_follow_ms_per_page"] = round((time.perf_counter() - started) * 1000 / size["follow_pages"], 2)
    side_by_side("list_deep_page", url, size["follow_pages"] * PAGE_SIZE, n)
    far = cursor_path(samples["deep_position"])
    found = client.json(far)["results"][0]["id"]
    assert found == samples["deep_id"], f"the deep cursor starts at {found}, not {samples['deep_id']}"
    # OFFSET grows with depth: fewer samples at the far end keep the run short.
    side_by_side(f"list_page_at_{size['deep_offset']}", far, size["deep_offset"], max(20, n // 5))

    details = [f"/api/v1/customers/{pk}/" for pk in samples["detail_ids"]]
    metrics.update(summary("detail", timed_requests(client, details, warmup)))
    for name, values in (("name_search", samples["trade"]), ("person_search", samples["people"]),
                         ("pinyin_search", samples["initials"])):
        paths = [f"{first}?{urlencode({'q': q})}" for q in (rng.choice(values) for _ in range(warmup + n))]
        metrics.update(summary(name, timed_requests(client, paths, warmup)))
        params[f"{name}_mean_results"] = statistics.mean(len(client.json(path)["results"]) for path in paths[:30])
        params[f"{name}_examples"] = sorted(set(values))[:6]
    return metrics, baseline, params


def measure_trace(client: Client, size: dict, samples: dict) -> tuple[dict, dict]:
    rng = random.Random(SEED + 4)
    n, warmup = size["requests"], size["warmup"]
    paths = [f"/api/v1/traceability/?{urlencode({'batch': rng.choice(samples['batches'])})}" for _ in range(warmup + n)]
    rows = len(client.json(paths[0])["results"])
    return summary("trace_batch", timed_requests(client, paths, warmup)), {
        "trace_batch_measured": "HTTP GET /api/v1/traceability/?batch=<batch> (TraceabilityApi, its default page size)",
        "trace_batch_rows_per_page": rows}


def server_processes(server: subprocess.Popen) -> tuple[list[int], list[int]]:
    """gunicorn's workers, and the PostgreSQL backends connected to the bench database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return children_of(server.pid), [row[0] for row in cursor.fetchall()]


def measure_rps(server: subprocess.Popen, port: int, host: str, token: str, seconds: float) -> dict:
    """First pages from CLIENTS threads for `seconds`; and the CPU the server (gunicorn workers
    and PostgreSQL backends) spent per request meanwhile, which a busy machine does not inflate
    the way it inflates latencies."""
    counts, latencies, errors = [0] * CLIENTS, [], []
    stop_at = time.perf_counter() + seconds

    def work(index: int) -> None:
        client = Client(port, host, token)
        client.get("/api/v1/customers/")
        while time.perf_counter() < stop_at:
            status, _, elapsed = client.get("/api/v1/customers/")
            if status != 200:
                errors.append(status)
            counts[index] += 1
            latencies.append(elapsed)
        client.conn.close()

    workers, backends = server_processes(server)
    before = cpu_seconds(workers), cpu_seconds(backends)
    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    workers, backends = server_processes(server)
    app, db = ({pid: seconds - earlier.get(pid, 0.0) for pid, seconds in cpu_seconds(pids).items()}
               for pids, earlier in zip((workers, backends), before))
    if errors:
        raise AssertionError(f"{len(errors)} failed requests under load: {errors[:5]}")
    requests = sum(counts) + CLIENTS  # each client's first request is inside the CPU window too
    app_ms, db_ms = sum(app.values()) * 1000 / requests, sum(db.values()) * 1000 / requests
    return {"list_rps": round(sum(counts) / elapsed, 1), "list_under_load_p95_ms": p95(latencies),
            "list_app_cpu_ms_per_request": round(app_ms, 2), "list_db_cpu_ms_per_request": round(db_ms, 2),
            "list_rps_at_full_cpu": round((os.cpu_count() or 1) * 1000 / (app_ms + db_ms), 1)}


def count_queries(tenant, token: str, admin_id: int) -> tuple[dict, dict]:
    """SQL statements of one list request, in process through the whole stack (tenant lookup,
    token, page); and a check that the page is exactly what CustomerListOutput(...).data gives."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context
    from rest_framework.renderers import JSONRenderer

    from dangan.accounts.models import User
    from dangan.api.archives.serializers import CustomerListOutput
    from dangan.archives import selectors

    client = DjangoClient(HTTP_HOST=f"{tenant.slug}.localhost", HTTP_AUTHORIZATION=f"Token {token}")
    metrics, params = {}, {}
    for page_size in (10, 100):
        client.get(f"/api/v1/customers/?page_size={page_size}")  # warm caches, as a server's are
        # The fewer of two: a cache that expires now and then (the host → company lookup) is not
        # what the page costs, and a busy machine can stretch the gap past its lifetime.
        captured = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/api/v1/customers/?page_size={page_size}")
            assert response.status_code == 200 and len(response.json()["results"]) == page_size
            captured.append([query["sql"] for query in queries.captured_queries])
        statements = min(captured, key=len)
        metrics[f"queries_per_list_request_page_size_{page_size}"] = len(statements)
        params[f"list_request_statements_page_size_{page_size}"] = [" ".join(s.split()[:4])[:60] for s in statements]
    with tenant_context(tenant):
        page = list(selectors.customer_list(user=User.objects.get(pk=admin_id), filters={})[:100])
        expected = json.loads(JSONRenderer().render(CustomerListOutput(page, many=True).data))
    assert response.json()["results"] == expected, "the list differs from CustomerListOutput's rendering"
    params["list_output_checked_against_serializer"] = True
    return metrics, params


def facts(tenant) -> dict:
    from django.db import connection

    result = {}
    with connection.cursor() as cursor:
        for name in ("server_version", "shared_buffers", "work_mem", "jit"):
            cursor.execute(f"SHOW {name}")
            result[f"pg_{name}"] = cursor.fetchone()[0]
        cursor.execute("""SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c
                          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND relname IN
                          ('archives_customer', 'archives_contact', 'archives_salesledgerentry')""",
                       [tenant.schema_name])
        result.update({f"{name}_mb": round(total / 2**20) for name, total in cursor.fetchall()})
    return result


# --------------------------------------------------------------------------------------------


def run(quick: bool) -> dict:
    started = time.perf_counter()
    size = dict(QUICK if quick else FULL)
    migrate_s = setup_django()
    from django.conf import settings
    from django.db import connection

    from dangan.platform.devservices.services import free_port

    original_name = settings.DATABASES["default"]["NAME"]
    params: dict = {"quick": quick, **size, "contacts_per_customer": CONTACTS_PER_CUSTOMER,
                    "setup_migrate_s": round(migrate_s, 1), "load_average_at_start": load_average()}
    servers: list[subprocess.Popen] = []
    try:
        tenant, marker, reused = company(size)
        people = make_people(tenant)
        if reused:
            log(f"reusing the kept data of {tenant.slug}")
        else:
            log(f"generating {size['customers']:,} customers and {size['ledger_rows']:,} ledger rows")
            load_started = time.perf_counter()
            params["load"] = load_data(tenant, people, size, marker)
            params["load_s"] = round(time.perf_counter() - load_started, 1)
        params["data_reused"] = reused
        samples = samples_from_db(tenant, size)
        query_metrics, query_params = count_queries(tenant, people["token"], people["admin_id"])
        params.update(query_params)
        connection.set_schema_to_public()

        host, port, offset_port = f"{tenant.slug}.localhost", free_port(), free_port()
        servers.append(start_gunicorn("dangan.platform.wsgi:application", port))
        servers.append(start_gunicorn("bench.archives:offset_application", offset_port))
        client, offset = Client(port, host, people["token"]), Client(offset_port, host, people["token"])
        metrics, baseline, api_params = measure_api(client, offset, size, samples)
        trace, trace_params = measure_trace(client, size, samples)
        client.conn.close()
        offset.conn.close()
        metrics.update(trace, **measure_rps(servers[0], port, host, people["token"], size["rps_seconds"]),
                       **query_metrics,
                       queries_per_list_request=query_metrics["queries_per_list_request_page_size_100"])
        params.update(api_params, **trace_params, **facts(tenant))
    finally:
        for server in servers:
            stop(server)
        log(f"{'keeping' if KEEP else 'dropping'} {connection.settings_dict['NAME']}")
        connection.set_schema_to_public()
        connection.creation.destroy_test_db(original_name, verbosity=0, keepdb=KEEP)

    params.update({
        "server": f"gunicorn {WORKERS} workers × {THREADS} threads (gthread), settings.production, "
                  "DATABASE_CONN_MAX_AGE=60; one persistent HTTP/1.1 connection per client",
        "auth": "DRF token of the company admin (sees every file)",
        "list_deep_page": f"the cursor URL reached by following `next` {size['follow_pages']} pages",
        "baseline_measures": (
            "GET /api/v1/bench-offset/customers/?offset=N on a second gunicorn of the same shape: CustomerListApi "
            "with the same selector and filters and the stock CustomerListOutput(page, many=True).data, paginated "
            "with queryset[N:N+51] (ORDER BY created_at DESC, id DESC LIMIT 51 OFFSET N, no COUNT), its requests "
            f"alternating with the cursor ones; list_deep_page at N = {size['follow_pages'] * PAGE_SIZE} (the "
            f"followed cursor's depth), list_page_at_{size['deep_offset']} at N = {size['deep_offset']}"),
        "list_rps_at_full_cpu": "cpu_count × 1000 / (list_app_cpu_ms_per_request + list_db_cpu_ms_per_request): "
                                "the first pages a second the server would serve with every core to itself (the "
                                "CPU of gunicorn's workers and of the PostgreSQL backends, read from /proc, while "
                                "list_rps ran; clients and other processes excluded)",
        "search_queries": "name_search: the two-character trade name (字号) of random existing company files; "
                          "person_search: the first two characters (surname and given) of random individual "
                          "customers' names; pinyin_search: their first two initials",
        "load_average_at_end": load_average(), "cpu_count": os.cpu_count(),
        "python": stdlib_platform.python_version(), "total_s": round(time.perf_counter() - started, 1),
    })
    return {"bench": "archives", "params": params, "metrics": metrics, "baseline": baseline}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 customers, fewer requests (about a minute)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        return run_on_kept_cluster() if KEEP else reexec_under_devservices(__file__)
    # Anything Django, migrate or a handler prints goes to stderr: stdout carries the JSON only.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(args.quick)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
