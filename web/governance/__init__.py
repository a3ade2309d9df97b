"""Pages of the registers (借阅登记, 合同领取登记) on a company host."""
