from django.db import migrations, models


class Migration(migrations.Migration):
    """The learner model's recency term: a learner's answers, each fading with every later answer. Learners
    stored before it start from none; their next cohort refit counts their answers."""

    dependencies = [
        ("knowledge", "0004_concept_state_given_level"),
    ]

    operations = [
        migrations.AddField(model_name="learnertraits", name="recent_right", field=models.FloatField(default=0.0)),
        migrations.AddField(model_name="learnertraits", name="recent_wrong", field=models.FloatField(default=0.0)),
    ]
