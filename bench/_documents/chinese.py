"""Chinese text: the words of real-estate and pharmaceutical paperwork, drawn Zipf-like (the text of
the PDFs, of the scans and of the search corpus)."""
from __future__ import annotations

import itertools
import random

WORDS = """购房 合同 认购书 首付款 按揭 贷款 银行 房屋 面积 平方米 单价 总价 楼盘 小区 单元 房号 身份证 户口本
结婚证 暂住证 收据 发票 定金 签约 备案 会签单 开发商 物业 交房 产权 登记 公积金 税费 契税 维修基金 买受人 出卖人
违约金 付款方式 一次性付款 分期付款 商品房 预售 许可证 抵押 担保 按期 交付 装修 标准 车位 储藏室 药品 批发 零售
医院 药店 采购 配送 质量 检验 批号 有效期 生产日期 规格 数量 金额 客户 档案 管理 联系人 电话 地址 街道 公司
有限公司 经理 业务员 审批 签字 盖章 日期 销售 凭证 存根 随货同行 发货 收货 退货 结算 对账 应收 账款 信用 额度
等级 重点 经销商 诊所 药剂科 主任 采购员 胶囊 颗粒 注射液 片剂 缓释 复方 维生素 感冒 阿莫西林 布洛芬 头孢
说明 声明 情况 家庭 成员 社保 纳税 证明 复印件 原件 份数 存档 归档 保管 期限 销毁 借阅 归还 保密 密级 上述
约定 双方 甲方 乙方 本合同 自 起 生效 如有 争议 协商 解决 不成 提交 仲裁 委员会 人民法院 诉讼 附件 补充 协议
条款 第一条 第二条 第三条 第四条 第五条 履行 义务 权利 责任 通知 送达 变更 解除 终止 延期 逾期 利息 滞纳金
北京 上海 广州 深圳 杭州 南京 苏州 成都 武汉 西安 郑州 济南 青岛 长沙 合肥 福州 厦门 天津 重庆 沈阳
人民路 解放路 中山路 建设路 和平路 胜利路 文化路 新华路 长江路 黄河路 花园 广场 大厦 中心 工业园 开发区""".split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华玲斌宇浩凯鹏辉鑫婷雪颖琳倩慧欣悦"
PUNCTUATION = "，，，。、；："
CUMULATIVE_WEIGHTS = list(itertools.accumulate(1 / (rank + 8) for rank in range(len(WORDS))))


def chinese_text(rng: random.Random, characters: int) -> str:
    parts: list[str] = []
    length = 0
    while length < characters:
        roll = rng.random()
        if roll < 0.06:
            word = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        elif roll < 0.10:
            word = str(rng.randint(1, 99999))
        else:
            word = rng.choices(WORDS, cum_weights=CUMULATIVE_WEIGHTS)[0]
        parts.append(word)
        if rng.random() < 0.18:
            parts.append(rng.choice(PUNCTUATION))
        length += len(word)
    return "".join(parts)[:characters] + "。"
