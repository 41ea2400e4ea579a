create extension if not exists pg_cron;
select cron.schedule('nightly-report', '0 2 * * *', $$select 1$$);
select cron.unschedule('nightly-reports');
