-- The address a matter was reported at, as typed (issue 10, item 4): shown on the matter
-- beside its household and location; a matter located by address alone kept it nowhere.
ALTER TABLE matters ADD COLUMN address TEXT;
