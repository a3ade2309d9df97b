# Sensitive-field masking (R6): the company's masking policy; the query log records traceability
# queries and previews too.

import dangan.governance.models.masking
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('governance', '0002_confidentiality'),
    ]

    operations = [
        migrations.CreateModel(
            name='MaskingPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('clear_roles', models.JSONField(default=dangan.governance.models.masking.default_clear_roles, verbose_name='可直接查看敏感信息的角色')),
                ('owner_sees_clear', models.BooleanField(default=True, verbose_name='负责业务员可查看本人档案的敏感信息')),
                ('reveal_roles', models.JSONField(default=dangan.governance.models.masking.default_reveal_roles, verbose_name='可申请查看（须填写原因）的角色')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': '敏感信息显示规则',
            },
        ),
        migrations.AlterField(
            model_name='accessrecord',
            name='action',
            field=models.CharField(choices=[('view', '查看档案'), ('list', '列表/检索'), ('export', '导出'), ('download', '下载'), ('reveal', '查看敏感信息'), ('trace', '追溯查询'), ('preview', '预览'), ('access_log_export', '导出查询记录')], max_length=30, verbose_name='操作'),
        ),
    ]
