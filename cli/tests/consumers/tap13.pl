#!/usr/bin/env perl
# Reads a TAP file with TAP::Parser, the parser behind prove, and prints as JSON what it
# understood: version, plan, counts, parse errors, and each test point with its directive and
# its YAML diagnostic (TAP 13 "---" ... "..." block), parsed by TAP::Parser's own YAML reader.
# Usage: tap13.pl FILE
use strict;
use warnings;
use JSON::PP;
use TAP::Parser;

my $file = shift or die "usage: tap13.pl FILE\n";
open my $fh, '<:raw', $file or die "$file: $!\n";
my $tap = do { local $/; <$fh> };
close $fh;

my $parser = TAP::Parser->new({ tap => $tap });
my @tests;
while (my $r = $parser->next) {
    if ($r->is_test) {
        push @tests, {
            number      => $r->number + 0,
            ok          => $r->is_actual_ok ? JSON::PP::true : JSON::PP::false,
            description => $r->description,
            directive   => $r->directive,
            explanation => $r->explanation,
        };
    } elsif ($r->is_yaml && @tests) {
        $tests[-1]{yaml} = $r->data;
    }
}

print JSON::PP->new->canonical->encode({
    version       => $parser->version + 0,
    plan          => $parser->plan,
    tests_planned => $parser->tests_planned,
    tests_run     => $parser->tests_run + 0,
    passed        => scalar(my @p = $parser->passed),
    failed        => scalar(my @f = $parser->failed),
    actual_passed => scalar(my @a = $parser->actual_passed),
    todo          => scalar(my @t = $parser->todo),
    todo_passed   => scalar(my @tp = $parser->todo_passed),
    skipped       => scalar(my @s = $parser->skipped),
    parse_errors  => [ $parser->parse_errors ],
    tests         => \@tests,
}), "\n";
