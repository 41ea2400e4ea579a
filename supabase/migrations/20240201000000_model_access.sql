-- First version of per-tier model access (hard-coded list of models).
BEGIN;

CREATE TABLE public.model_access (
    id UUID DEFAULT gen_random_uuid() PRIMARY KEY,
    model_id TEXT NOT NULL UNIQUE,
    tier VARCHAR(20) NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro', 'enterprise')),
    is_enabled BOOLEAN NOT NULL DEFAULT true,
    added_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_model_access_tier ON public.model_access (tier);
CREATE INDEX idx_model_access_status ON public.model_access (is_enabled);

COMMIT;
