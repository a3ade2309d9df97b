# Retention (R7): the date a file is kept until and the governance rule that set it.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('archives', '0004_search_vector_statistics'),
        ('governance', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='retain_until',
            field=models.DateField(blank=True, null=True, verbose_name='保管期限至'),
        ),
        migrations.AddField(
            model_name='customer',
            name='retention_basis',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='customer',
            name='retention_rule',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='governance.retentionrule', verbose_name='保管期限规则'),
        ),
    ]
