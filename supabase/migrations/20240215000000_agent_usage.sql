-- Track token usage on agent runs in more detail.
ALTER TABLE public.agent_runs ADD COLUMN IF NOT EXISTS input_tokens INTEGER;
ALTER TABLE public.agent_runs ADD COLUMN IF NOT EXISTS output_tokens INTEGER;
ALTER TABLE public.agent_runs RENAME COLUMN error_message TO error;
CREATE INDEX idx_agent_runs_started_at ON public.agent_runs (started_at);
