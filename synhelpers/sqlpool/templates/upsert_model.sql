-- Copy the model and its metadata into the model table: one row per ID, replaced on every run.
SET XACT_ABORT ON;
BEGIN TRANSACTION;
DELETE FROM {model_table} WHERE [ID] = {model_id};
INSERT INTO {model_table} ([ID], [name], [description], [version], [created_time], [created_by],
    [framework], [model], [inputs_schema], [outputs_schema])
VALUES ({model_id}, {name}, {description}, {version}, {created_time}, {created_by},
    {framework}, {model}, {inputs_schema}, {outputs_schema});
COMMIT TRANSACTION;
