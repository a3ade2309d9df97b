"""设置 › 用户与角色: the list is paged and searchable by name or e-mail; the search survives
paging, markup in a search renders as text, and the list stays the administrator's."""
import pytest

from dangan.accounts.models import User
from dangan.web.settings_users import views
from tests.web.conftest import SCRIPT, text_of

USERS = "/settings/users/"


@pytest.fixture
def many_people(company):
    # 23 more people, all named 测试员 so a search can select them across pages.
    for index in range(23):
        User.objects.create_user(email=f"tester{index:02d}@y.cn", password="pw-Paging-2026",
                                 full_name=f"测试员{index:02d}")
    return User.objects.count()


def test_the_list_is_paged(company, web, many_people, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    admin = web(company.admin)
    first = admin.get(USERS)
    assert first.status_code == 200 and len(first.context["users"]) == 10
    assert first.context["page"].paginator.count == many_people
    assert f'href="?page=2" rel="next"' in text_of(first)
    pages = [first] + [admin.get(USERS, {"page": n}) for n in range(2, first.context["page"].paginator.num_pages + 1)]
    seen = [person.pk for page in pages for person in page.context["users"]]
    assert len(seen) == len(set(seen)) == many_people  # every person once, none twice
    beyond = admin.get(USERS, {"page": 999})  # past the end: the last page, not an error
    assert beyond.status_code == 200 and beyond.context["page"].number == pages[-1].context["page"].number


def test_search_by_name_or_email_and_it_survives_paging(company, web, many_people, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    admin = web(company.admin)
    by_name = admin.get(USERS, {"q": "测试员"})
    assert by_name.context["page"].paginator.count == 23
    html = text_of(by_name)
    assert 'href="?q=%E6%B5%8B%E8%AF%95%E5%91%98&amp;page=2"' in html and 'value="测试员"' in html
    second = admin.get(USERS, {"q": "测试员", "page": 2})
    assert all(person.full_name.startswith("测试员") for person in second.context["users"])
    by_email = admin.get(USERS, {"q": "ZHANG@X"})
    assert [person.email for person in by_email.context["users"]] == ["zhang@x.cn"]
    nobody = admin.get(USERS, {"q": "不存在的人"})
    assert nobody.status_code == 200 and not nobody.context["users"] and "没有符合条件的用户" in text_of(nobody)


def test_a_search_with_markup_renders_as_text(company, web):
    html = text_of(web(company.admin).get(USERS, {"q": SCRIPT}))
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_paging_and_search_stay_the_administrators(company, web, stranger):
    assert web(company.supervisor).get(USERS, {"q": "张", "page": 1}).status_code == 403
    response = stranger.get(USERS, {"q": "张"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
