"""factory_boy factories shared by the tests."""
import factory


class SignupData(factory.DictFactory):
    company_name = factory.Sequence(lambda n: f"测试公司{n}号")
    slug = factory.Sequence(lambda n: f"company{n}")
    admin_name = factory.Faker("name", locale="zh_CN")
    admin_email = factory.Sequence(lambda n: f"admin{n}@example.com")
    admin_password = "Qw7!archive-Ledger"
