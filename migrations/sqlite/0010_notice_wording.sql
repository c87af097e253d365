-- The notice's wording beyond its four English fields (docs/email.md): the
-- public title of the website page (NULL: the default, "Notice of a data
-- security incident involving <vendor>"), and the free text written per
-- language, as JSON {"es": {"what_happened": ..., ...}} (a field a language
-- leaves out falls back to English).
ALTER TABLE notices ADD COLUMN public_title TEXT;
ALTER TABLE notices ADD COLUMN languages TEXT NOT NULL DEFAULT '{}';
