from django.db import migrations, models


class Migration(migrations.Migration):
    """A concept's belief is now held given the learner's level: d | mu ~ N(offset + coupling mu, variance).
    Stored beliefs had d independent of mu, which is coupling 0 with offset = the old mean."""

    dependencies = [
        ("knowledge", "0003_learner_answer_totals"),
    ]

    operations = [
        migrations.RenameField(model_name="conceptstate", old_name="mean", new_name="offset"),
        migrations.AddField(model_name="conceptstate", name="coupling", field=models.FloatField(default=0.0)),
    ]
