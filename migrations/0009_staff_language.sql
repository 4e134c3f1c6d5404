-- Each staff member's own UI language, applied wherever they log in. NULL: they never chose
-- one, and the desk keeps the language it shows before login.
ALTER TABLE staff ADD COLUMN ui_language TEXT CHECK (ui_language IN ('en', 'km', 'vi', 'ar'));
