-- Shared updated_at trigger function, the first triggers, an admin view, and RLS on the
-- first version of model_access.

CREATE OR REPLACE FUNCTION public.update_updated_at_column()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION public.update_updated_at_column() IS 'Sets updated_at to now() on every UPDATE of a row (BEFORE UPDATE trigger).';

CREATE TRIGGER update_workspaces_updated_at
BEFORE UPDATE ON public.workspaces
FOR EACH ROW
EXECUTE PROCEDURE update_updated_at_column();

-- First version of the agent limit: a fixed three agents per user.
CREATE OR REPLACE FUNCTION public.check_agent_limit()
RETURNS TRIGGER
LANGUAGE plpgsql
AS $$BEGIN
    IF (SELECT count(*) FROM public.agents WHERE user_id = NEW.user_id) >= 3 THEN
        RAISE EXCEPTION 'Agent limit reached';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER enforce_agent_limit
BEFORE INSERT ON public.agents
FOR EACH ROW
EXECUTE FUNCTION public.check_agent_limit();

-- Admin dashboard, first version.
CREATE VIEW public.user_statistics AS
SELECT
    u.id,
    u.email,
    count(DISTINCT a.id) AS agent_count,
    COALESCE(sum(r.tokens_used), 0) AS total_tokens_used
FROM public.users u
LEFT JOIN public.agents a ON a.user_id = u.id
LEFT JOIN public.agent_runs r ON r.agent_id = a.id
GROUP BY u.id, u.email;

ALTER TABLE public.model_access ENABLE ROW LEVEL SECURITY;

CREATE POLICY "All authenticated users can view model access" ON public.model_access
    FOR SELECT TO authenticated
    USING (is_enabled);
